// Package moto starts moto_server, an independent IAM/STS implementation, so
// tests can check that the emulator agrees with it.
package moto

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds the wait for moto_server to answer; it is ready in under
// a second on these machines, the slack is for loaded CI runners.
const readyTimeout = 30 * time.Second

// Start runs moto_server on a free loopback port until the test ends and
// returns its endpoint URL. Without moto_server the test is skipped, or fails
// when HARDSAIL_REQUIRE_TESTHOST=1 (CI must not skip silently).
func Start(t testing.TB) (endpointURL string) {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		msg := fmt.Sprintf("moto_server not found on PATH (pip install 'moto[server]'): %v", err)
		if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	started := time.Now()
	url, err := start(t, bin)
	if err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Logf("moto_server at %s ready in %s", url, time.Since(started).Round(time.Millisecond))
	return url
}

func start(t testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// Without it AttachGroupPolicy on arn:aws:iam::aws:policy/AdministratorAccess fails with NoSuchEntity.
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	// A process group of its own: the pyenv shim and python are killed together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			return "", fmt.Errorf("moto_server on port %d exited early (%v): %s", port, err, output.String())
		default:
		}
		resp, err := client.Get(url + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return "", fmt.Errorf("moto_server on port %d not ready after %s: %s", port, readyTimeout, output.String())
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for moto_server: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("find a free port for moto_server: listener has no TCP address")
	}
	return addr.Port, nil
}

// lockedBuffer collects moto_server's output for error messages; the exec
// copier goroutine writes while the ready loop may read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
