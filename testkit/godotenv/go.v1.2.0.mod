module dokku-shared-cache/testkit/godotenv

go 1.22

require github.com/joho/godotenv v1.2.0
