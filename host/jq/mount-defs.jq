def ro(e): ((e.readonly // false) == true) or ((e.volume_options // "") | split(",") | index("ro") != null);
def spec(e): e.host_path + ":" + e.container_path +
  (if (e.volume_options // "") != "" then ":" + e.volume_options elif ro(e) then ":ro" else "" end);
