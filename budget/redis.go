package budget

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RedisLedger is a Ledger in Redis, for many machines sharing one
// credential (shards of one job on Kubernetes, say): the window is a
// sorted set of call ids scored by time, changed only by Lua scripts that
// Redis runs atomically, on the server's clock, so the machines' clocks
// need not agree. It speaks the Redis protocol itself (a few commands
// need no client library).
type RedisLedger struct {
	addr, password string
	db             int
	key            string
	timeout        time.Duration

	mu   sync.Mutex
	conn net.Conn
	rd   *bufio.Reader
}

// reserveScript: KEYS[1] the window's sorted set, KEYS[2] the pause's end
// (ms); ARGV calls, per (ms), the new call's id, MaxInFlight (ms). A call
// in flight is scored ahead of now (until answered). Returns {1, 0} with
// the call counted, or {0, wait ms}.
const reserveScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local calls, per = tonumber(ARGV[1]), tonumber(ARGV[2])
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return {0, pause - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < calls then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per * 2 + tonumber(ARGV[4]))
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + per - now
if wait < 1 then wait = 1 end
return {0, wait}
`

// answeredScript moves ARGV[1] to the server's now, if still in the set.
const answeredScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 1
`

// pauseScript sets the shared pause's end to now + ARGV[1] ms if later.
const pauseScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local e = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
if e > cur then redis.call('SET', KEYS[2], e, 'PX', tonumber(ARGV[1]) + 60000) end
return 1
`

// OpenRedisLedger connects to rawURL (redis://[:password@]host:port[/db])
// for the credential key (hashed into the Redis key, never stored).
func OpenRedisLedger(rawURL, key string) (*RedisLedger, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "redis" || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not a redis://host:port[/db] address", ErrLedger, redactURL(rawURL))
	}
	l := &RedisLedger{addr: u.Host, key: "leadsync:budget:" + LedgerName(key), timeout: 5 * time.Second}
	if !strings.Contains(u.Host, ":") {
		l.addr += ":6379"
	}
	if p, ok := u.User.Password(); ok {
		l.password = p
	} else if u.User != nil {
		l.password = u.User.Username()
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		if l.db, err = strconv.Atoi(db); err != nil || l.db < 0 {
			return nil, fmt.Errorf("%w: redis database %q is not a number", ErrLedger, db)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.dial(); err != nil {
		return nil, err
	}
	return l, nil
}

// redactURL drops a password from an address for messages.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User("xxx")
		return u.String()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "redis://xxx@" + raw[i+1:]
	}
	return raw
}

// dial connects and authenticates (under l.mu).
func (l *RedisLedger) dial() error {
	c, err := net.DialTimeout("tcp", l.addr, l.timeout)
	if err != nil {
		return fmt.Errorf("%w: redis %s: %v", ErrLedger, l.addr, err)
	}
	l.conn, l.rd = c, bufio.NewReader(c)
	if l.password != "" {
		if _, err := l.do("AUTH", l.password); err != nil {
			l.drop()
			return err
		}
	}
	if l.db != 0 {
		if _, err := l.do("SELECT", strconv.Itoa(l.db)); err != nil {
			l.drop()
			return err
		}
	}
	return nil
}

func (l *RedisLedger) drop() {
	if l.conn != nil {
		l.conn.Close()
	}
	l.conn, l.rd = nil, nil
}

// call runs one command, reconnecting once after a broken connection.
func (l *RedisLedger) call(ctx context.Context, args ...string) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if l.conn == nil {
			if err := l.dial(); err != nil {
				return nil, err
			}
		}
		v, err := l.do(args...)
		var re redisError
		if err == nil || errors.As(err, &re) || attempt > 0 {
			return v, err
		}
		l.drop()
	}
}

// redisError is an error reply from the server (the connection is fine).
type redisError string

func (e redisError) Error() string { return fmt.Sprintf("%v: redis: %s", ErrLedger, string(e)) }
func (e redisError) Unwrap() error { return ErrLedger }

// do writes one command and reads its reply (under l.mu).
func (l *RedisLedger) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	l.conn.SetDeadline(time.Now().Add(l.timeout))
	if _, err := l.conn.Write([]byte(b.String())); err != nil {
		l.drop()
		return nil, fmt.Errorf("%w: redis %s: %v", ErrLedger, l.addr, err)
	}
	v, err := readReply(l.rd, 0)
	if err != nil {
		var re redisError
		if !errors.As(err, &re) {
			l.drop()
			return nil, fmt.Errorf("%w: redis %s: %v", ErrLedger, l.addr, err)
		}
	}
	return v, err
}

// readReply reads one RESP2 reply: a string, an int64, nil, a []any, or a
// redisError.
func readReply(r *bufio.Reader, depth int) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") || depth > 4 {
		return nil, errors.New("malformed reply")
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return body, nil
	case '-':
		return nil, redisError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n > 1<<20 {
			return nil, errors.New("malformed bulk reply")
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n > 1024 {
			return nil, errors.New("malformed array reply")
		}
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", kind)
}

func (l *RedisLedger) eval(ctx context.Context, script string, args ...string) (any, error) {
	return l.call(ctx, append([]string{"EVAL", script, "2", l.key, l.key + ":pause"}, args...)...)
}

// Reserve implements Ledger; now is not used: the server's clock is.
func (l *RedisLedger) Reserve(ctx context.Context, _ time.Time, calls int, per time.Duration) (string, time.Duration, error) {
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", 0, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	id := hex.EncodeToString(raw[:])
	v, err := l.eval(ctx, reserveScript, strconv.Itoa(calls), strconv.FormatInt(max(1, per.Milliseconds()), 10), id, strconv.FormatInt(MaxInFlight.Milliseconds(), 10))
	if err != nil {
		return "", 0, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return "", 0, fmt.Errorf("%w: redis: unexpected reply %v", ErrLedger, v)
	}
	got, _ := arr[0].(int64)
	wait, _ := arr[1].(int64)
	if got == 1 {
		return id, 0, nil
	}
	return "", pollWait(time.Duration(max(1, wait))*time.Millisecond, per), nil
}

// Answered implements Ledger.
func (l *RedisLedger) Answered(ctx context.Context, id string, _ time.Time) error {
	_, err := l.eval(ctx, answeredScript, id)
	return err
}

// Pause implements Ledger.
func (l *RedisLedger) Pause(ctx context.Context, _ time.Time, d time.Duration) error {
	_, err := l.eval(ctx, pauseScript, strconv.FormatInt(max(1, d.Milliseconds()), 10))
	return err
}

// Close implements Ledger.
func (l *RedisLedger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop()
	return nil
}
