package logcleanup

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// cuttable is a connection the test can cut in the middle of a packet.
type cuttable struct {
	net.Conn
	armed *atomic.Bool
}

func (c cuttable) Write(p []byte) (int, error) {
	if c.armed.Load() && len(p) > 1 {
		n, _ := c.Conn.Write(p[:len(p)/2])
		c.Conn.Close()
		return n, io.ErrClosedPipe
	}
	return c.Conn.Write(p)
}

// The connection dies in the middle of the second write of an apply (the cron file): the old file
// stays intact, the journal records that write as unknown (the rename may have happened), and undo
// from a new connection, comparing the live file first, is exact.
func TestConnectionCutMidWrite(t *testing.T) {
	t.Parallel()
	w := world.New(t, world.Options{Host: true, Watch: []string{"/usr/local/sbin", "/etc/cron.d"}})
	before := w.Snapshot(t)
	armed := &atomic.Bool{}
	env := w.Env(t)
	var (
		mu sync.Mutex
		c  *sshhost.Client
	)
	env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if c != nil {
			return c, nil
		}
		var err error
		c, err = world.DialThrough(ctx, env.AWS, w.Instance, nil, func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			return cuttable{Conn: conn, armed: armed}, err
		})
		return c, err
	}
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "a", Region: "r", Instance: "i"}))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	begins := 0
	j.OnRecord = func(kind, id string) {
		if kind == "begin" {
			if begins++; begins == 2 {
				armed.Store(true)
			}
		}
	}
	eng := &steps.Engine{Steps: []steps.Step{New()}, Env: env, Journal: j}
	outs := eng.Apply(t.Context(), eng.Verify(t.Context()))
	j.OnRecord = nil
	if len(outs) != 1 || outs[0].Status != steps.StatusFailed {
		t.Fatalf("apply over a cut connection: %+v", outs)
	}
	entries, _ := j.Entries()
	var states []string
	for _, e := range entries {
		states = append(states, string(e.State))
	}
	if got := strings.Join(states, " "); got != "done unknown" {
		t.Fatalf("journal states %q, want the script write done and the cut cron write unknown", got)
	}
	if out, _, _ := w.Host.Run(t, "ls -a /etc/cron.d /usr/local/sbin"); strings.Contains(out, ".hardsail-tmp") {
		t.Errorf("a half-written temp file is visible where a reader could take it:\n%s", out)
	}

	undoEnv := w.Env(t)
	undo := &steps.Engine{Steps: []steps.Step{New()}, Env: undoEnv, Journal: j}
	entriesToUndo, _ := undo.UndoPlan()
	if len(entriesToUndo) != 2 {
		t.Fatalf("undo offers %d entries, want both the done and the unknown write", len(entriesToUndo))
	}
	for _, o := range undo.Undo(t.Context(), entriesToUndo) {
		if o.Status.Bad() {
			t.Fatalf("undo: %+v", o)
		}
	}
	if got := w.Snapshot(t); got != before {
		t.Fatalf("undo after the cut is not exact:\nbefore\n%s\nafter\n%s", before, got)
	}
}
