module dokku-shared-cache/testkit/go-units

go 1.22

require github.com/docker/go-units v0.5.0
