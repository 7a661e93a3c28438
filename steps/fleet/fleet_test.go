package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
)

// fakeLightsail serves GetRegions and a paginated GetInstances (two instances a page).
type fakeLightsail struct {
	regions   []string
	instances map[string][]types.Instance
	region    string
	pages     *atomic.Int32
}

func (f fakeLightsail) GetRegions(context.Context, *lightsail.GetRegionsInput, ...func(*lightsail.Options)) (*lightsail.GetRegionsOutput, error) {
	out := &lightsail.GetRegionsOutput{}
	for _, r := range f.regions {
		out.Regions = append(out.Regions, types.Region{Name: types.RegionName(r)})
	}
	return out, nil
}

func (f fakeLightsail) GetInstances(_ context.Context, in *lightsail.GetInstancesInput, _ ...func(*lightsail.Options)) (*lightsail.GetInstancesOutput, error) {
	f.pages.Add(1)
	all := f.instances[f.region]
	start, _ := strconv.Atoi(aws.ToString(in.PageToken))
	end := min(start+2, len(all))
	out := &lightsail.GetInstancesOutput{Instances: all[start:end]}
	if end < len(all) {
		out.NextPageToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func inst(name, blueprintID, state string) types.Instance {
	return types.Instance{Name: aws.String(name), BlueprintId: aws.String(blueprintID), BlueprintName: aws.String("x"),
		State: &types.InstanceState{Name: aws.String(state)}}
}

func newFake() (fakeLightsail, func(string) fleet.Lister) {
	f := fakeLightsail{regions: []string{"us-east-1", "eu-west-1"}, pages: &atomic.Int32{}, instances: map[string][]types.Instance{
		"us-east-1": {inst("shop-1", "wordpress", "running"), inst("shop-2", "wordpress_lightsail", "running"),
			inst("node-1", "nodejs", "running"), inst("blog", "wordpress", "stopped"), inst("shop-3", "wordpress", "running")},
		"eu-west-1": {inst("shop-eu", "wordpress_lightsail", "running")},
	}}
	return f, func(r string) fleet.Lister { g := f; g.region = r; return g }
}

func TestDiscoverFollowsPagesKeepsWordPressAndMatchesGlobs(t *testing.T) {
	cases := []struct {
		name    string
		sel     fleet.Selection
		want    []string
		usage   bool
		minPage int32
	}{
		{"every region", fleet.Selection{}, []string{"us-east-1/blog", "us-east-1/shop-1", "us-east-1/shop-2", "us-east-1/shop-3", "eu-west-1/shop-eu"}, false, 4},
		{"one region", fleet.Selection{Regions: []string{"eu-west-1"}}, []string{"eu-west-1/shop-eu"}, false, 1},
		{"globs and names", fleet.Selection{Patterns: fleet.Patterns{"shop-?", "blog"}}, []string{"us-east-1/blog", "us-east-1/shop-1", "us-east-1/shop-2", "us-east-1/shop-3"}, false, 4},
		{"a name that matches nothing is refused", fleet.Selection{Patterns: fleet.Patterns{"shop-*", "nope"}}, nil, true, 0},
		{"a non-WordPress instance is not selectable", fleet.Selection{Patterns: fleet.Patterns{"node-1"}}, nil, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, in := newFake()
			got, err := fleet.Discover(context.Background(), f, in, c.sel)
			var ue *steps.UsageError
			if c.usage {
				if !errors.As(err, &ue) {
					t.Fatalf("got %v, %v; want a usage error", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got {
				names = append(names, g.Region+"/"+g.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(c.want) {
				t.Errorf("found %v, want %v", names, c.want)
			}
			if f.pages.Load() < c.minPage {
				t.Errorf("%d GetInstances pages read, want at least %d", f.pages.Load(), c.minPage)
			}
			if got[0].State == "" {
				t.Errorf("state not read: %+v", got[0])
			}
		})
	}
}

func TestParsePatternsRefusesBadInput(t *testing.T) {
	for _, v := range []string{"shop-[", "a/b", "shop 1", "caf\u00e9"} {
		if _, err := fleet.ParsePatterns(v); err == nil {
			t.Errorf("ParsePatterns(%q) accepted", v)
		}
	}
	p, err := fleet.ParsePatterns(" shop-*, blog ,")
	if err != nil || len(p) != 2 || !p.Match("shop-9") || !p.Match("blog") || p.Match("blog2") {
		t.Errorf("ParsePatterns: %v %v", p, err)
	}
}

func TestRunBoundsParallelismAndKeepsGoing(t *testing.T) {
	var instances []fleet.Instance
	for i := range 20 {
		instances = append(instances, fleet.Instance{Region: "us-east-1", Name: fmt.Sprintf("wp-%02d", i), State: "running"})
	}
	instances[3].State = "stopped"
	var now, peak atomic.Int32
	var mu sync.Mutex
	var progress []fleet.Progress
	r := fleet.Runner{Parallel: 4,
		Check: func(ctx context.Context, in fleet.Instance) ([]steps.Result, error) {
			n := now.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			defer now.Add(-1)
			time.Sleep(5 * time.Millisecond)
			if in.Name == "wp-07" {
				return nil, errors.New("SSH refused the key")
			}
			return []steps.Result{{Step: "a", Status: steps.StatusOK}, {Step: "b", Status: steps.StatusDrift, Detail: "1 to change", Fix: "hardsail apply b"}}, nil
		},
		Progress: func(p fleet.Progress) { mu.Lock(); progress = append(progress, p); mu.Unlock() },
	}
	got := r.Run(context.Background(), instances)
	if peak.Load() > 4 || peak.Load() < 2 {
		t.Errorf("peak of %d checks at once, want 2..4", peak.Load())
	}
	if len(got) != 20 {
		t.Fatalf("%d results, want 20", len(got))
	}
	var nr *fleet.NotRunningError
	if !errors.As(got[3].Err, &nr) || got[3].FirstFix() == "" {
		t.Errorf("stopped instance: %v / %q", got[3].Err, got[3].FirstFix())
	}
	if got[7].Err == nil || got[8].Err != nil || got[8].Counts() != (fleet.Counts{OK: 1, Drift: 1}) {
		t.Errorf("wp-07: %v; wp-08: %v %+v", got[7].Err, got[8].Err, got[8].Counts())
	}
	if last := progress[len(progress)-1]; last.Done != 20 || last.Total != 20 || len(last.Running) != 0 {
		t.Errorf("last progress %+v, want 20/20 with none running", last)
	}
	fleet.SortWorstFirst(got)
	if got[0].Name != "wp-03" && got[0].Name != "wp-07" || got[2].Severity() != 1 {
		t.Errorf("worst first: %s, %s, %s", got[0].Name, got[1].Name, got[2].Name)
	}
	if f := got[2].FirstFix(); f != "b: 1 to change (fix: hardsail apply b)" {
		t.Errorf("first fix %q", f)
	}
}

func TestLimiterSpacesCalls(t *testing.T) {
	l := fleet.NewLimiter(100, 5)
	start := time.Now()
	for range 25 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 5 at once, then 20 more at 10 ms each: at least 190 ms (no upper bound: the machine may be slow).
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("25 calls at 100/s with a burst of 5 took %v, want at least 190ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 10 {
		if err := l.Wait(ctx); err != nil {
			return
		}
	}
	t.Error("a cancelled Wait never returned an error")
}
