// SPDX-License-Identifier: Apache-2.0

// Command verify checks waybill's log artefacts with Go's independent
// implementation (golang.org/x/mod/sumdb/note and tlog): a signed checkpoint,
// optionally a c2sp.org/tlog-proof@v1 inclusion proof for a leaf, and
// optionally a consistency proof from an older checkpoint. It prints OK and
// exits 0, or prints the reason and exits 1 (2 on usage errors).
//
// Build offline in GOPATH mode with Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o verify verify.go
package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// openCheckpoint verifies a signed note with v and parses the C2SP
// tlog-checkpoint body (origin, size, root, optional extension lines).
func openCheckpoint(msg []byte, v note.Verifier) (checkpoint, error) {
	var cp checkpoint
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return cp, fmt.Errorf("note: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return cp, errors.New("checkpoint: fewer than 3 lines")
	}
	if lines[0] == "" {
		return cp, errors.New("checkpoint: empty origin")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return cp, errors.New("checkpoint: bad size")
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return cp, errors.New("checkpoint: bad root")
	}
	for _, ext := range lines[3:] {
		if ext == "" {
			return cp, errors.New("checkpoint: empty extension line")
		}
	}
	cp.origin = lines[0]
	cp.size = size
	copy(cp.root[:], root)
	return cp, nil
}

func decodeHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

// parseTlogProof splits a c2sp.org/tlog-proof@v1 text into its index, proof
// hashes and checkpoint bytes.
func parseTlogProof(data []byte) (int64, tlog.RecordProof, []byte, error) {
	rest := data
	next := func() (string, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", false
		}
		line := string(rest[:i])
		rest = rest[i+1:]
		return line, true
	}
	if l, ok := next(); !ok || l != "c2sp.org/tlog-proof@v1" {
		return 0, nil, nil, errors.New("tlog-proof: bad header")
	}
	l, ok := next()
	if ok && strings.HasPrefix(l, "extra ") {
		if _, err := base64.StdEncoding.Strict().DecodeString(l[6:]); err != nil {
			return 0, nil, nil, errors.New("tlog-proof: bad extra")
		}
		l, ok = next()
	}
	if !ok || !strings.HasPrefix(l, "index ") {
		return 0, nil, nil, errors.New("tlog-proof: missing index")
	}
	idx := l[len("index "):]
	index, err := strconv.ParseInt(idx, 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != idx {
		return 0, nil, nil, errors.New("tlog-proof: bad index")
	}
	var proof tlog.RecordProof
	for {
		l, ok = next()
		if !ok {
			return 0, nil, nil, errors.New("tlog-proof: no blank line")
		}
		if l == "" {
			break
		}
		h, err := decodeHash(l)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("tlog-proof: %w", err)
		}
		proof = append(proof, h)
	}
	return index, proof, rest, nil
}

func readFile(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return b
}

func run() error {
	keyFile := flag.String("key", "", "verifier key text file")
	cpFile := flag.String("checkpoint", "", "signed checkpoint file")
	leafFile := flag.String("leaf", "", "leaf bytes file (with -proof)")
	proofFile := flag.String("proof", "", "tlog-proof file (with -leaf)")
	oldFile := flag.String("old", "", "older checkpoint (with -consistency)")
	consFile := flag.String("consistency", "", "consistency proof: base64 hash lines")
	flag.Parse()
	if *keyFile == "" || *cpFile == "" || (*leafFile == "") != (*proofFile == "") ||
		(*oldFile == "") != (*consFile == "") {
		flag.Usage()
		os.Exit(2)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(readFile(*keyFile))))
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	cp, err := openCheckpoint(readFile(*cpFile), v)
	if err != nil {
		return err
	}
	if *proofFile != "" {
		index, proof, inner, err := parseTlogProof(readFile(*proofFile))
		if err != nil {
			return err
		}
		pcp, err := openCheckpoint(inner, v)
		if err != nil {
			return fmt.Errorf("tlog-proof checkpoint: %w", err)
		}
		if index >= pcp.size {
			return errors.New("tlog-proof: index beyond the tree")
		}
		leaf := tlog.RecordHash(readFile(*leafFile))
		if err := tlog.CheckRecord(proof, pcp.size, pcp.root, index, leaf); err != nil {
			return fmt.Errorf("inclusion: %w", err)
		}
	}
	if *oldFile != "" {
		old, err := openCheckpoint(readFile(*oldFile), v)
		if err != nil {
			return fmt.Errorf("old checkpoint: %w", err)
		}
		var proof tlog.TreeProof
		for _, l := range strings.Split(string(readFile(*consFile)), "\n") {
			if l == "" {
				continue
			}
			h, err := decodeHash(l)
			if err != nil {
				return fmt.Errorf("consistency: %w", err)
			}
			proof = append(proof, h)
		}
		if err := tlog.CheckTree(proof, cp.size, cp.root, old.size, old.root); err != nil {
			return fmt.Errorf("consistency: %w", err)
		}
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("OK")
}
