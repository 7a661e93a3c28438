package sshd

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// The child process: hardsail applying the sshd step, killed by the test once sshd has reloaded.
const (
	childEnv      = "HARDSAIL_SSHD_CHILD"
	childReloaded = "RELOADED"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childApply())
	}
	os.Exit(m.Run())
}

// childApply applies a drop-in that refuses the key, over keyless SSH through the parent's
// emulator, prints childReloaded after the reload and waits to be killed.
func childApply() int {
	ctx := context.Background()
	clients := awsapi.New(aws.Config{
		Region:       os.Getenv("AWS_REGION"),
		Credentials:  credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL")),
	})
	instance := os.Getenv(childEnv + "_INSTANCE")
	var conn *sshhost.Client
	env := &steps.Env{Instance: instance, AWS: clients, Now: time.Now, SSH: func(ctx context.Context) (*sshhost.Client, error) {
		if conn != nil {
			return conn, nil
		}
		var err error
		conn, err = world.Dial(ctx, clients, instance, nil)
		return conn, err
	}}
	j, err := steps.OpenJournal(steps.PathsFor(os.Getenv(childEnv+"_STATE"), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	secs, _ := strconv.Atoi(os.Getenv(childEnv + "_CONFIRM"))
	s := &Step{Identity: New().Identity, ConfirmWithin: time.Duration(secs) * time.Second, hooks: hooks{body: breakLogin, afterReload: func() {
		fmt.Println(childReloaded)
		select {} // hardsail hangs here until SIGKILL: it never confirms
	}}}
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: env, Journal: j}
	outs := eng.Apply(ctx, eng.Verify(ctx))
	fmt.Fprintf(os.Stderr, "the child finished instead of being killed: %+v\n", outs)
	return 1
}

// TestKilledAfterReload: hardsail is killed -9 after sshd reloaded a drop-in that refuses the key.
// The timer on the host puts the previous configuration back: a fresh login is refused until it
// fires and works after, the drop-in is gone, the CA line intact, and undo of the interrupted entry
// changes nothing more.
func TestKilledAfterReload(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			t.Parallel()
			w := hostWorld(t, fl)
			base := w.Host.TreeHash(t, "/etc/ssh")
			const wait = 10 * time.Second
			state := t.TempDir()
			child := exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), w.Em.Env()...)
			child.Env = append(child.Env, childEnv+"=1", childEnv+"_INSTANCE="+w.Instance, childEnv+"_STATE="+state,
				childEnv+"_CONFIRM="+strconv.Itoa(int(wait/time.Second)))
			var stderr strings.Builder
			child.Stderr = &stderr
			out, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
			if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != childReloaded {
				_ = child.Wait()
				t.Fatalf("the child never reached the reload (stdout %q): %s", line, stderr.String())
			}
			killedAt := time.Now()
			if err := child.Process.Signal(os.Kill); err != nil {
				t.Fatal(err)
			}
			_ = child.Wait()

			// The timer runs from its arming, shortly before the reload: these two must come first.
			drop := filepath.Join(w.Host.Root, DropInPath)
			if _, err := os.Stat(drop); err != nil {
				t.Fatalf("no drop-in right after the reload (%v): the timer fired already, so this test proves nothing", err)
			}
			env := w.Env(t)
			if err := login(t.Context(), w, env); err == nil {
				t.Fatal("a fresh login worked right after the reload: the drop-in did not break login, so this test proves nothing")
			}
			for deadline := killedAt.Add(wait + 20*time.Second); ; time.Sleep(200 * time.Millisecond) {
				if _, err := os.Stat(drop); os.IsNotExist(err) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the drop-in is still there %s after hardsail was killed (timer %s)", time.Since(killedAt).Round(time.Second), wait)
				}
			}
			var lerr error
			for try := 0; try < 40; try++ { // the reload that follows the removal takes a moment
				if lerr = login(t.Context(), w, env); lerr == nil {
					break
				}
				time.Sleep(250 * time.Millisecond)
			}
			if lerr != nil {
				t.Fatalf("no fresh login after the timer fired: %v", lerr)
			}
			assertCA(t, w)
			if got := w.Host.TreeHash(t, "/etc/ssh"); !maps.Equal(got, base) {
				t.Errorf("/etc/ssh after the timer: %v, want %v", got, base)
			}
			undoInterrupted(t, w, env, state, base)
		})
	}
}

// undoInterrupted undoes what the killed child journaled: the entry it left open is offered, and
// closed with nothing to change (the timer already put the file back).
func undoInterrupted(t *testing.T, w *world.World, env *steps.Env, state string, base map[string]string) {
	t.Helper()
	eng := &steps.Engine{Steps: []steps.Step{New()}, Env: env, Journal: journal(t, state)}
	undo, err := eng.UndoPlan()
	if err != nil || len(undo) != 1 || undo[0].State != steps.EntryInterrupted {
		t.Fatalf("undo offers %+v (err %v), want the one interrupted write", undo, err)
	}
	for _, o := range eng.Undo(t.Context(), undo) {
		if o.Status.Bad() {
			t.Fatalf("undo: %+v", o)
		}
	}
	if got := w.Host.TreeHash(t, "/etc/ssh"); !maps.Equal(got, base) {
		t.Errorf("/etc/ssh after undo: %v, want %v", got, base)
	}
	if again, _ := eng.UndoPlan(); len(again) != 0 {
		t.Errorf("%d entries still offered for undo", len(again))
	}
}
