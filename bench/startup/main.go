// Command startup times how long a command takes from fork+exec to exit, the way a user's shell
// starts it, and prints the mean, median and 90th percentile in milliseconds.
//
// It starts the command directly (os.StartProcess: clone+exec, no shell in between), so the figure
// is the command's own start-up and exit, not the cost of a harness forking itself; bench/release.sh
// uses it for the `hardsail version` budget.
//
//	go run ./bench/startup [-n 200] [-warmup 10] [-max 20] -- PROGRAM ARG...
//
// With -max, it exits 1 when the median is over that many milliseconds.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"
)

func main() {
	runs := flag.Int("n", 200, "timed runs")
	warmup := flag.Int("warmup", 10, "untimed runs first (page cache, CPU frequency)")
	maxMS := flag.Float64("max", 0, "exit 1 when the median is over this many milliseconds (0: no budget)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *runs < 1 || *warmup < 0 {
		fmt.Fprintln(os.Stderr, "usage: startup [-n RUNS] [-warmup N] [-max MS] -- PROGRAM ARG...")
		os.Exit(3)
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(3)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
	attr := &os.ProcAttr{Files: []*os.File{devnull, devnull, os.Stderr}, Env: os.Environ()}
	for i := 0; i < *warmup; i++ {
		if _, err := once(path, args, attr); err != nil {
			fmt.Fprintln(os.Stderr, "startup:", err)
			os.Exit(1)
		}
	}
	ms := make([]float64, *runs)
	for i := range ms {
		d, err := once(path, args, attr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "startup:", err)
			os.Exit(1)
		}
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	var sum float64
	for _, v := range ms {
		sum += v
	}
	median := ms[len(ms)/2]
	if len(ms)%2 == 0 {
		median = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
	}
	p90 := ms[min(len(ms)-1, int(float64(len(ms))*0.9+0.5)-1)]
	fmt.Printf("mean %.2f ms  median %.2f ms  p90 %.2f ms  (%d runs after %d warm-up runs)\n",
		sum/float64(len(ms)), median, p90, len(ms), *warmup)
	if *maxMS > 0 && median > *maxMS {
		fmt.Printf("OVER: median %.2f ms > budget %.2f ms\n", median, *maxMS)
		os.Exit(1)
	}
}

// once starts the program, waits for it and returns the wall time from just before the start to
// just after the exit was reaped; a run that does not exit 0 is an error.
func once(path string, args []string, attr *os.ProcAttr) (time.Duration, error) {
	t0 := time.Now()
	p, err := os.StartProcess(path, args, attr)
	if err != nil {
		return 0, err
	}
	st, err := p.Wait()
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if !st.Success() {
		return 0, fmt.Errorf("%s exited with %v", path, st)
	}
	return d, nil
}
