package sshhost

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// A command's session is driven on the channel directly rather than through ssh.Session, whose
// Start waits for the exec request's reply before anything else moves: here the reply is awaited
// beside the output, so one command costs two round trips (open the channel; exec and its output),
// not three. The reply is still read: a refused exec ends the command with an error, and nothing is
// written to the command's stdin (not even EOF) before the exec is accepted.

// errExitMissing is a channel that closed without an exit status or signal.
var errExitMissing = errors.New("the command's session ended without an exit status")

// exitSignals are the signals RFC 4254 names, as the shell numbers them (exit 128 + n).
var exitSignals = map[string]int{"ABRT": 6, "ALRM": 14, "FPE": 8, "HUP": 1, "ILL": 4, "INT": 2,
	"KILL": 9, "PIPE": 13, "QUIT": 3, "SEGV": 11, "TERM": 15, "USR1": 10, "USR2": 12}

// channelRun is one command running on its own session channel.
type channelRun struct {
	ch     ssh.Channel
	so, se bytes.Buffer
	copies sync.WaitGroup
	exit   chan exitResult // the exit status once the channel closed, and the output is read
}

type exitResult struct {
	status int
	err    error
}

// startCommand opens a session channel and sends the exec request without waiting for its reply;
// stdin (when not nil) follows the reply, then EOF unless holdStdin keeps stdin open and silent.
func (c *Client) startCommand(line string, stdin []byte, holdStdin bool) (*channelRun, error) {
	ch, reqs, err := c.conn.OpenChannel("session", nil)
	if err != nil {
		return nil, &ConnectError{Addr: c.cfg.Addr, Err: fmt.Errorf("open session: %w", err)}
	}
	r := &channelRun{ch: ch, exit: make(chan exitResult, 1)}
	r.copies.Add(2)
	go r.copy(&r.so, ch)
	go r.copy(&r.se, ch.Stderr())
	accepted := make(chan bool, 1)
	go func() {
		ok, err := ch.SendRequest("exec", true, ssh.Marshal(&struct{ Command string }{line}))
		accepted <- err == nil && ok
		switch {
		case err != nil || !ok:
			ch.Close()
		case stdin != nil:
			_, _ = ch.Write(stdin)
			_ = ch.CloseWrite()
		case !holdStdin:
			_ = ch.CloseWrite()
		}
	}()
	go r.wait(reqs, accepted)
	return r, nil
}

func (r *channelRun) copy(dst *bytes.Buffer, src io.Reader) {
	defer r.copies.Done()
	_, _ = io.Copy(dst, src)
}

// wait reads the channel's requests until it closes, as ssh.Session's Wait does.
func (r *channelRun) wait(reqs <-chan *ssh.Request, accepted <-chan bool) {
	status, signal := -1, ""
	for req := range reqs {
		switch req.Type {
		case "exit-status":
			if len(req.Payload) >= 4 {
				status = int(binary.BigEndian.Uint32(req.Payload))
			}
		case "exit-signal":
			var sig struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}
			if ssh.Unmarshal(req.Payload, &sig) == nil {
				signal = sig.Signal
			}
		default:
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}
	r.copies.Wait()
	res := exitResult{status: status}
	switch {
	case !<-accepted:
		res.err = errors.New("the host refused to run the command")
	case status == -1 && signal != "":
		res.status = 128 + exitSignals[signal]
	case status == -1:
		res.err = errExitMissing
	}
	r.exit <- res
}

// signal asks the host to send sig to the command (no reply is awaited).
func (r *channelRun) signal(sig ssh.Signal) {
	_, _ = r.ch.SendRequest("signal", false, ssh.Marshal(&struct{ Signal string }{string(sig)}))
}

func (c *Client) execRaw(ctx context.Context, line string, stdin []byte, holdStdin bool) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	r, err := c.startCommand(line, stdin, holdStdin)
	if err != nil {
		return Result{}, err
	}
	defer r.ch.Close()
	var ex exitResult
	select {
	case ex = <-r.exit:
	case <-ctx.Done():
		r.signal(ssh.SIGKILL)
		finished := waitExit(r.exit, time.Second)
		if !finished {
			// A signal that comes before sshd started the command finds no process ("no pid for
			// session"), and sshd keeps a closed session open until its command ends: once more.
			r.signal(ssh.SIGKILL)
			finished = waitExit(r.exit, 2*time.Second)
		}
		r.ch.Close()
		if !finished {
			return Result{}, ctx.Err() // the session's output is still being written: not read
		}
		return Result{Stdout: r.so.Bytes(), Stderr: r.se.Bytes()}, ctx.Err()
	}
	res := Result{Stdout: r.so.Bytes(), Stderr: r.se.Bytes(), Exit: ex.status}
	if ex.err != nil {
		return res, &ConnectError{Addr: c.cfg.Addr, Err: fmt.Errorf("connection lost while running a command: %w", ex.err)}
	}
	return res, nil
}

// waitExit says whether the command's end came within d.
func waitExit(exit <-chan exitResult, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-exit:
		return true
	case <-t.C:
		return false
	}
}
