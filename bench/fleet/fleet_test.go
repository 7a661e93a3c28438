// Package fleet_test measures `hardsail verify --all` against the emulator's fleet scenario on
// loopback, every instance bound to a real test host (root; HARDSAIL_REQUIRE_TESTHOST=1 in CI):
//
//	HARDSAIL_REQUIRE_TESTHOST=1 go test -run '^$' -bench Fleet -benchtime 1x ./bench/fleet
//
// The binary runs with --aws-rate from HARDSAIL_BENCH_AWS_RATE (default 1000: on loopback the
// emulator never throttles, so this measures hardsail itself; the shipped default of 20 calls a
// second bounds a run below by its AWS calls / 20 s) and --parallel from HARDSAIL_BENCH_PARALLEL
// (default 8, the shipped default).
//
// For 1, 10 and 100 instances it reports the wall time of the real binary's run (s/run), its peak
// RSS (MB), the AWS calls per instance, and the SSH round trips per instance (the critical path of
// one instance's check: its connection's turns, handshake included, and after the handshake).
//
// And where the time goes, per instance: the CPU seconds of hardsail itself (client-cpu-s), of the
// test hosts (host-cpu-s: sshd and every command it ran, all the processes of the hosts' pid
// namespaces) and of this test process (emulator-cpu-s: the emulator and its SSH proxies). On
// loopback they all share this machine's cores, whereas a real fleet's hosts are machines of their
// own: with C cores, a run cannot take less than (client + host + emulator CPU) × instances / C.
// The 1-minute load average at the start of the run is reported too (loadavg), as the machine may
// be shared.
package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/steps/registry"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// hardsailBinary builds cmd/hardsail once for all the benchmarks, or takes HARDSAIL_BENCH_BINARY
// (another build, to compare two versions back to back).
func hardsailBinary(b *testing.B) string {
	buildOnce.Do(func() {
		if binary = os.Getenv("HARDSAIL_BENCH_BINARY"); binary != "" {
			return
		}
		dir, err := os.MkdirTemp("", "hardsail-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "hardsail")
		out, err := exec.Command("go", "build", "-o", binary, "../../cmd/hardsail").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binary
}

func BenchmarkFleet(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) { benchFleet(b, n) })
	}
}

func benchFleet(b *testing.B, n int) {
	bin := hardsailBinary(b)
	f := world.NewFleet(b, n, true)
	total, after := sshTurns(b, f)
	var wall, client, host, self time.Duration
	var calls, rss int64
	load := loadAvg()
	for b.Loop() {
		f.Em.ResetCalls()
		hostBefore, selfBefore := hostCPU(b, f), selfCPU()
		d, usage := runVerifyAll(b, bin, f, n)
		host += hostCPU(b, f) - hostBefore
		self += selfCPU() - selfBefore
		wall += d
		client += cpuOf(usage)
		rss = max(rss, usage.Maxrss)
		calls += int64(len(f.Em.Calls()))
	}
	ops := map[string]int{}
	for _, c := range f.Em.Calls() {
		ops[c.Service+":"+c.Action]++
	}
	b.Logf("AWS calls of the last run, by operation: %v", ops)
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) / float64(n) }
	b.ReportMetric(per(client), "client-cpu-s/instance")
	b.ReportMetric(per(host), "host-cpu-s/instance")
	b.ReportMetric(per(self), "emulator-cpu-s/instance")
	b.ReportMetric(load, "loadavg")
	b.ReportMetric(total, "ssh-turns/instance")
	b.ReportMetric(after, "ssh-turns-after-handshake/instance")
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(calls)/float64(b.N)/float64(n), "aws-calls/instance")
}

// runVerifyAll runs the binary's verify --all --json and checks every instance was checked.
func runVerifyAll(b *testing.B, bin string, f *world.Fleet, n int) (time.Duration, *syscall.Rusage) {
	cmd := exec.Command(bin, "verify", "--all", "--json", "--aws-rate", envOr("HARDSAIL_BENCH_AWS_RATE", "1000"),
		"--parallel", envOr("HARDSAIL_BENCH_PARALLEL", "8"))
	home := b.TempDir()
	cmd.Env = append(f.Em.Env(), "HOME="+home, "HARDSAIL_STATE_DIR="+filepath.Join(home, "state"),
		"AWS_CONFIG_FILE="+filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "PATH="+os.Getenv("PATH"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 2) {
		b.Fatalf("verify --all: %v\n%s", err, errOut.String())
	}
	var doc struct {
		Instances []struct{ Instance, Status string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Instances) != n {
		b.Fatalf("verify --all --json: %v, %d instances, want %d", err, len(doc.Instances), n)
	}
	for _, in := range doc.Instances {
		if in.Status != string(steps.StatusDrift) {
			b.Fatalf("%s is %s, want drift (a fresh, reachable instance)", in.Instance, in.Status)
		}
	}
	return d, cmd.ProcessState.SysUsage().(*syscall.Rusage)
}

func cpuOf(u *syscall.Rusage) time.Duration {
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// selfCPU is this process's CPU time so far: the emulator and its SSH proxies (and the benchmark).
func selfCPU() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return cpuOf(&u)
}

// hostCPU is the CPU time the fleet's test hosts used so far: every process in each host's pid
// namespace, with the children it reaped (sshd's sessions and the commands they ran).
func hostCPU(b *testing.B, f *world.Fleet) time.Duration {
	var total time.Duration
	for _, h := range f.Hosts {
		// internal/testhost roots a host at /proc/PID/root, PID its namespace's init.
		ns, err := os.Readlink(filepath.Join(filepath.Dir(h.Root), "ns", "pid"))
		if err != nil {
			b.Fatalf("host %s: pid namespace: %v", h.Addr, err)
		}
		procs, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range procs {
			if other, _ := os.Readlink(filepath.Join(p, "ns", "pid")); other == ns {
				total += procCPU(p)
			}
		}
	}
	return total
}

// procCPU is utime + stime + cutime + cstime of /proc/PID/stat (clock ticks of 1/100 s).
func procCPU(dir string) time.Duration {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0 // the process ended: its parent reaped it into its own cutime
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	fields := strings.Fields(rest) // from field 3 (state) on
	var ticks int64
	for _, i := range []int{11, 12, 13, 14} { // fields 14-17
		if i < len(fields) {
			v, _ := strconv.ParseInt(fields[i], 10, 64)
			ticks += v
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// loadAvg is the 1-minute load average.
func loadAvg() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// sshTurns checks every instance in process, as the fleet runner does, each over its own counted
// connection, and returns the most round trips one instance took: in all, and after the handshake.
func sshTurns(b *testing.B, f *world.Fleet) (total, afterHandshake float64) {
	ctx := context.Background()
	base := awsapi.New(f.Em.AWSConfig())
	instances, err := fleet.Discover(ctx, base.Lightsail, func(r string) fleet.Lister { return base.InRegion(r).Lightsail }, fleet.Selection{})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	check := func(ctx context.Context, in fleet.Instance) ([]steps.Result, error) {
		clients := base.InRegion(in.Region)
		dialer := &testhost.CountingDialer{}
		var conn *sshhost.Client
		handshake := 0
		env := &steps.Env{Instance: in.Name, Region: in.Region, Account: emulator.AccountID, AWS: clients,
			Settings: steps.WithDefaults(steps.Settings{}, steps.OptionsOf(registry.All())), Log: slog.New(slog.DiscardHandler), Now: time.Now}
		env.SSH = func(ctx context.Context) (*sshhost.Client, error) {
			if conn == nil {
				c, err := world.DialThrough(ctx, clients, in.Name, nil, dialer.DialContext)
				if err != nil {
					return nil, err
				}
				conn, handshake = c, dialer.Stats().Turns
			}
			return conn, nil
		}
		res := (&steps.Engine{Steps: registry.All(), Env: env}).Verify(ctx)
		if conn != nil {
			conn.Close()
		}
		mu.Lock()
		total = max(total, float64(dialer.Stats().Turns))
		afterHandshake = max(afterHandshake, float64(dialer.Stats().Turns-handshake))
		mu.Unlock()
		return res, nil
	}
	for _, r := range (fleet.Runner{Parallel: fleet.DefaultParallel, Check: check}).Run(ctx, instances) {
		if r.Status() != steps.StatusDrift {
			b.Fatalf("%s: %s (%s)", r.Name, r.Status(), r.FirstFix())
		}
	}
	return total, afterHandshake
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
