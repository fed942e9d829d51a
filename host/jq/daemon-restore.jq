if $led.had then .builder.gc = $led.prev
else (if has("builder") then .builder |= del(.gc) else . end)
  | if ($led.hadBuilder | not) and ((.builder // null) == {}) then del(.builder) else . end end
