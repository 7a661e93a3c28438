package testhost

import (
	"context"
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// CountingConn counts round trips on a connection: a Read that returns data after
// a Write is one turn, however the bytes were split into reads and writes.
// It stands in for latency, which this kernel cannot emulate (no tc netem): cost of
// a protocol ≈ Turns × RTT. Where a peer reads and writes concurrently (x/crypto/ssh does)
// a count can vary by one with scheduling, when data the client did not wait for arrives
// before or after one of its writes. Safe for concurrent use.
type CountingConn struct {
	net.Conn

	mu       sync.Mutex
	turns    int
	wrote    bool // a Write happened since the last counted turn
	bytesIn  int64
	bytesOut int64
}

// NewCountingConn wraps c.
func NewCountingConn(c net.Conn) *CountingConn { return &CountingConn{Conn: c} }

func (c *CountingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.wrote {
			c.turns++
			c.wrote = false
		}
		c.bytesIn += int64(n)
		c.mu.Unlock()
	}
	return n, err
}

func (c *CountingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.mu.Lock()
		c.wrote = true
		c.bytesOut += int64(n)
		c.mu.Unlock()
	}
	return n, err
}

// Turns is the number of round trips so far.
func (c *CountingConn) Turns() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.turns
}

// Bytes returns the bytes read from and written to the peer so far.
func (c *CountingConn) Bytes() (in, out int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytesIn, c.bytesOut
}

// Stats is a snapshot of a CountingConn's counters.
type Stats struct {
	Turns    int
	BytesIn  int64
	BytesOut int64
}

// Stats returns all counters at one instant.
func (c *CountingConn) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Turns: c.turns, BytesIn: c.bytesIn, BytesOut: c.bytesOut}
}

// Sub returns s - prev, the cost of what happened between two snapshots.
func (s Stats) Sub(prev Stats) Stats {
	return Stats{Turns: s.Turns - prev.Turns, BytesIn: s.BytesIn - prev.BytesIn, BytesOut: s.BytesOut - prev.BytesOut}
}

// CountingDialer dials TCP connections wrapped in CountingConn and totals them,
// for code under test that takes a dial function (its DialContext fits net.Dialer's).
type CountingDialer struct {
	Dialer net.Dialer

	mu    sync.Mutex
	conns []*CountingConn
}

// DialContext dials and wraps the connection.
func (d *CountingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cc := NewCountingConn(c)
	d.mu.Lock()
	d.conns = append(d.conns, cc)
	d.mu.Unlock()
	return cc, nil
}

// Conns returns every connection dialled so far, oldest first.
func (d *CountingDialer) Conns() []*CountingConn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*CountingConn(nil), d.conns...)
}

// Stats sums the counters of every connection dialled so far.
func (d *CountingDialer) Stats() Stats {
	var s Stats
	for _, c := range d.Conns() {
		cs := c.Stats()
		s.Turns += cs.Turns
		s.BytesIn += cs.BytesIn
		s.BytesOut += cs.BytesOut
	}
	return s
}

// DialSSH opens an SSH client over a CountingConn to addr.
func DialSSH(ctx context.Context, addr string, cfg *ssh.ClientConfig) (*ssh.Client, *CountingConn, error) {
	var d CountingDialer
	d.Dialer.Timeout = cfg.Timeout
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dialing %s: %w", addr, err)
	}
	cc := c.(*CountingConn)
	sc, chans, reqs, err := ssh.NewClientConn(cc, addr, cfg)
	if err != nil {
		cc.Close()
		return nil, nil, fmt.Errorf("ssh handshake with %s: %w", addr, err)
	}
	return ssh.NewClient(sc, chans, reqs), cc, nil
}
