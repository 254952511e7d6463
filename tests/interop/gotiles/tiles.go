// SPDX-License-Identifier: Apache-2.0

// Command tiles follows a waybill log over HTTP as a witness or auditor
// would, with Go's independent implementation (golang.org/x/mod/sumdb/note
// and tlog): it fetches the checkpoint, verifies its signature, reads the
// C2SP tlog-tiles hash tiles through tlog.TileHashReader (which checks every
// tile against the signed root), recomputes the root with tlog.TreeHash, and
// checks every entry of the entry bundles against the verified leaf hashes.
// Prints OK and exits 0, or the reason and exits 1 (2 on usage errors).
//
//	tiles BASE_URL KEY_FILE VKEY_FILE
//
// Build offline in GOPATH mode with Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tiles tiles.go
package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type client struct {
	base, key string
	fetched   int
	cache     map[string][]byte
}

func (c *client) get(path string) ([]byte, error) {
	if b, ok := c.cache[path]; ok {
		return b, nil
	}
	req, err := http.NewRequest("GET", c.base+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<24))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	c.fetched++
	c.cache[path] = body
	return body, nil
}

// c2spPath turns Go's tile path (tile/H/L/N[.p/W]) into C2SP's (tile/L/N[.p/W]).
func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

type tileReader struct{ c *client }

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := r.c.get(c2spPath(t))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func run(base, keyFile, vkeyFile string) error {
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	vkey, err := os.ReadFile(vkeyFile)
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return err
	}
	c := &client{base: strings.TrimSuffix(base, "/"), key: strings.TrimSpace(string(key)),
		cache: map[string][]byte{}}
	cp, err := c.get("checkpoint")
	if err != nil {
		return err
	}
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return errors.New("checkpoint: too few lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return fmt.Errorf("checkpoint size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return errors.New("checkpoint: bad root hash")
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], raw)

	hr := tlog.TileHashReader(tree, tileReader{c})
	root, err := tlog.TreeHash(size, hr)
	if err != nil {
		return fmt.Errorf("tiles: %v", err)
	}
	if root != tree.Hash {
		return errors.New("tiles: root differs from the checkpoint")
	}
	// every entry of the bundles against the verified leaf hashes
	for start := int64(0); start < size; start += 256 {
		w := size - start
		path := fmt.Sprintf("tile/entries/%s", tileIndex(start/256))
		if w < 256 {
			path += fmt.Sprintf(".p/%d", w)
		} else {
			w = 256
		}
		bundle, err := c.get(path)
		if err != nil {
			return err
		}
		for i := int64(0); i < w; i++ {
			if len(bundle) < 2 {
				return fmt.Errorf("%s: truncated at entry %d", path, i)
			}
			l := int(bundle[0])<<8 | int(bundle[1])
			if len(bundle) < 2+l {
				return fmt.Errorf("%s: truncated entry %d", path, i)
			}
			entry := bundle[2 : 2+l]
			bundle = bundle[2+l:]
			hs, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, start+i)})
			if err != nil {
				return err
			}
			if tlog.RecordHash(entry) != hs[0] {
				return fmt.Errorf("entry %d: bundle does not match the leaf hash", start+i)
			}
		}
		if len(bundle) != 0 {
			return fmt.Errorf("%s: %d trailing bytes", path, len(bundle))
		}
	}
	fmt.Printf("OK size %d, %d fetches\n", size, c.fetched)
	return nil
}

// tileIndex encodes N as C2SP path elements: x001/x234/067.
func tileIndex(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	return s
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: tiles BASE_URL KEY_FILE VKEY_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
