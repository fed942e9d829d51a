"dokku-shared-cache: app \($app): Dokku can no longer read this app's env: its ENV file does not parse "
+ "(" + dsc_dokku + " says: \"\($said)\"), so every config command of the app fails, and so do deploys. "
+ "Nothing was changed on this app; the other apps go on. Fix: edit " + dsc_envfile
+ " (usually a value ending in a backslash or a double quote, which Dokku 0.37.8+ writes so that it cannot read it back: "
+ "remove that last character or the line), check with dokku config:export \($app), then run pulumi up again."
