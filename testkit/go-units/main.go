// Command ramInBytes reads one size string per stdin line and prints, one
// line each, what Docker makes of it: github.com/docker/go-units RAMInBytes
// (the parser of `docker builder prune --keep-storage`, `docker buildx prune
// --reserved-space/--max-used-space` and daemon.json's builder GC sizes) as
// JSON {"bytes": n} or {"err": "..."}. Used by the differential tests of
// components/size-units.ts and the docker test double.
package main

import (
	"bufio"
	"encoding/json"
	"os"

	units "github.com/docker/go-units"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		n, err := units.RAMInBytes(in.Text())
		if err != nil {
			_ = enc.Encode(map[string]string{"err": err.Error()})
			continue
		}
		_ = enc.Encode(map[string]int64{"bytes": n})
	}
}
