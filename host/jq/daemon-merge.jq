if type != "object" then error("daemon.json is not a JSON object")
elif has("builder") and (.builder | type) != "object" then error("daemon.json: builder is not an object")
else .builder = ((.builder // {}) | .gc = $gc) end
