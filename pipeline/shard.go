package pipeline

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/sinks"
)

// Shard is one part of a job split across processes or machines
// (`--shard 2/4`: Index 2 of Count 4, counted from 0). Every shard reads
// the whole source and groups it the same way, so in-file duplicates of
// one person are one entity, owned by exactly one shard: the one its
// smallest match key hashes to. Rows that never become an entity
// (rejected rows) are owned by row number, so each is reported once.
// The zero Shard owns everything.
type Shard struct{ Index, Count int }

// ParseShard reads "i/N" (0 ≤ i < N).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/N with 0 ≤ i < N, such as 0/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// String is "i/N", or "" for the whole job.
func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// On reports whether the job is split.
func (s Shard) On() bool { return s.Count > 1 }

// OwnsKeys reports whether the entity with these match keys is this
// shard's. The hash is of the smallest key, so it does not depend on the
// order rows or keys came in.
func (s Shard) OwnsKeys(keys []sinks.Key) bool {
	if s.Count <= 1 || len(keys) == 0 {
		return true
	}
	least := ""
	for _, k := range keys {
		if ks := k.Kind + ":" + k.Value; least == "" || ks < least {
			least = ks
		}
	}
	return s.owns(least)
}

// OwnsRow reports whether a row that is no entity (a rejected row, a row
// without keys) is this shard's.
func (s Shard) OwnsRow(row int) bool {
	if s.Count <= 1 {
		return true
	}
	return s.owns("row:" + strconv.Itoa(row))
}

func (s Shard) owns(id string) bool {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int(h.Sum64()%uint64(s.Count)) == s.Index
}
