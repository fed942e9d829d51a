map(.[0] as $k | .[1] | [(dsc_v15 | if . then .rule else null end), (dsc_v12($k) | if . then .rule else null end)])
