// Command godotenv-dokku does to ENV files what Dokku's config plugin does
// with github.com/joho/godotenv, so the dokku test double can be compared
// with the real library byte for byte.
//
// Built twice from this one source: go.mod pins godotenv v1.5.1 (Dokku
// >= 0.37.8), go.v1.2.0.mod pins v1.2.0 (Dokku 0.36.0-0.37.7)
// (`go build -modfile=go.v1.2.0.mod`). Read in dokku/dokku v0.38.27 and
// v0.37.7 plugins/config/environment.go and config.go: loadFromFile
// (godotenv.Read, then every key failing validateKey is deleted and the file
// rewritten), SetMany/UnsetMany (load, change, Env.Write = godotenv.Write),
// JSONString (encoding/json.Marshal of the map for config:export --format
// json).
//
// Protocol: one JSON request per stdin line, one JSON answer per stdout line.
//
//	{"file": "<base64 or null>", "set": {"K": "v"}, "unset": ["K"]}
//
// "file" is the ENV file before (null: no file). The answer:
//
//	{"loadErr": "...", "deleted": ["k"], "file": "<base64 after>", "wrote": bool,
//	 "read": {...}, "readErr": "...", "json": "<config:export json>"}
//
// loadErr set: Dokku's load failed (the command exits 1 with " !     loadErr",
// nothing written). Otherwise the file after the command, and what reading it
// back gives (read, or readErr).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"

	"github.com/joho/godotenv"
)

type request struct {
	File  *string           `json:"file"`
	Set   map[string]string `json:"set"`
	Unset []string          `json:"unset"`
}

type answer struct {
	LoadErr string            `json:"loadErr,omitempty"`
	Deleted []string          `json:"deleted"`
	File    *string           `json:"file"`
	Wrote   bool              `json:"wrote"`
	Read    map[string]string `json:"read"`
	ReadErr string            `json:"readErr,omitempty"`
	JSON    string            `json:"json"`
}

// Dokku's validateKey (plugins/config/config.go).
var keyRe = regexp.MustCompile("^[a-zA-Z_][a-zA-Z0-9_]*$")

func main() {
	dir, err := os.MkdirTemp("", "godotenv-dokku-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, "ENV")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<30)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			panic(err)
		}
		_ = os.Remove(f)
		if req.File != nil {
			b, err := base64.StdEncoding.DecodeString(*req.File)
			if err != nil {
				panic(err)
			}
			if err := os.WriteFile(f, b, 0o600); err != nil {
				panic(err)
			}
		}
		if err := out.Encode(handle(f, req)); err != nil {
			panic(err)
		}
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}

func handle(f string, req request) answer {
	a := answer{Deleted: []string{}}
	// loadFromFile: read only when the file exists.
	env := map[string]string{}
	if _, err := os.Stat(f); err == nil {
		env, err = godotenv.Read(f)
		if err != nil {
			a.LoadErr = err.Error()
			return a
		}
	}
	dirty := false
	for k := range env {
		if !keyRe.MatchString(k) {
			a.Deleted = append(a.Deleted, k)
			delete(env, k)
			dirty = true
		}
	}
	if dirty {
		if err := godotenv.Write(env, f); err != nil {
			panic(err)
		}
		a.Wrote = true
	}
	// SetMany writes when entries are given; UnsetMany only when a key was there.
	if len(req.Set) > 0 {
		for k, v := range req.Set {
			env[k] = v
		}
		if err := godotenv.Write(env, f); err != nil {
			panic(err)
		}
		a.Wrote = true
	}
	changed := false
	for _, k := range req.Unset {
		if _, ok := env[k]; ok {
			delete(env, k)
			changed = true
		}
	}
	if changed {
		if err := godotenv.Write(env, f); err != nil {
			panic(err)
		}
		a.Wrote = true
	}
	if b, err := os.ReadFile(f); err == nil {
		s := base64.StdEncoding.EncodeToString(b)
		a.File = &s
		read, err := godotenv.Read(f)
		if err != nil {
			a.ReadErr = err.Error()
		} else {
			a.Read = read
			j, err := json.Marshal(read)
			if err != nil {
				panic(err)
			}
			a.JSON = string(j)
		}
	}
	return a
}
