package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
)

const (
	testOpDelay = 30 * time.Millisecond
	testLBDelay = 40 * time.Millisecond
)

// startFast starts an emulator with short async delays so the suite stays quick.
func startFast(t *testing.T, mod func(*emulator.Options)) (*emulator.Emulator, *lightsail.Client) {
	t.Helper()
	opts := emulator.Options{OperationDelay: testOpDelay, LoadBalancerDelay: testLBDelay}
	if mod != nil {
		mod(&opts)
	}
	e := emulator.Start(t, opts)
	return e, lightsail.NewFromConfig(e.AWSConfig())
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type errKind int

const (
	noErr errKind = iota
	notFoundErr
	invalidErr
)

// checkErr asserts err decodes into the SDK's own exception type.
func checkErr(t *testing.T, err error, want errKind) {
	t.Helper()
	var nf *types.NotFoundException
	var ii *types.InvalidInputException
	switch want {
	case noErr:
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	case notFoundErr:
		if !errors.As(err, &nf) {
			t.Fatalf("want *types.NotFoundException, got %T: %v", err, err)
		}
		if !strings.Contains(nf.ErrorMessage(), "does not exist") {
			t.Errorf("NotFoundException message %q does not say what is missing", nf.ErrorMessage())
		}
	case invalidErr:
		if !errors.As(err, &ii) {
			t.Fatalf("want *types.InvalidInputException, got %T: %v", err, err)
		}
		if ii.ErrorMessage() == "" {
			t.Error("InvalidInputException has no message")
		}
	}
}

func portStates(t *testing.T, c *lightsail.Client, name string) []types.InstancePortState {
	t.Helper()
	out, err := c.GetInstancePortStates(ctxT(t), &lightsail.GetInstancePortStatesInput{InstanceName: aws.String(name)})
	if err != nil {
		t.Fatalf("get port states of %s: %v", name, err)
	}
	return out.PortStates
}

// ruleSummary renders rules compactly, e.g. "22/tcp[1.2.3.4/32|::/0|]".
func ruleSummary(ps []types.InstancePortState) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d-%d/%s[%s|%s|%s]", p.FromPort, p.ToPort, p.Protocol,
			strings.Join(p.Cidrs, ","), strings.Join(p.Ipv6Cidrs, ","), strings.Join(p.CidrListAliases, ",")))
	}
	return out
}

func tcp(from, to int32, cidrs ...string) types.PortInfo {
	return types.PortInfo{FromPort: from, ToPort: to, Protocol: types.NetworkProtocolTcp, Cidrs: cidrs}
}

func manyCIDRs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("10.0.%d.%d/32", i/250, i%250))
	}
	return out
}

func TestFreshScenarioInstance(t *testing.T) {
	_, c := startFast(t, nil)
	out, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	in := out.Instance
	got := []string{aws.ToString(in.BlueprintId), aws.ToString(in.Username), string(in.Location.RegionName),
		aws.ToString(in.Location.AvailabilityZone), aws.ToString(in.State.Name)}
	want := []string{"wordpress", "bitnami", "us-east-1", "us-east-1a", "running"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("instance basics = %v, want %v", got, want)
	}
	if !strings.HasPrefix(aws.ToString(in.PublicIpAddress), "192.0.2.") || len(in.Ipv6Addresses) != 1 {
		t.Errorf("addresses = %q %v, want 192.0.2.x and one IPv6", aws.ToString(in.PublicIpAddress), in.Ipv6Addresses)
	}
	if len(in.AddOns) != 0 {
		t.Errorf("fresh instance has add-ons %v", in.AddOns)
	}
	var ports []string
	for _, p := range in.Networking.Ports {
		ports = append(ports, fmt.Sprintf("%d/%s %v %v", p.FromPort, p.Protocol, p.Cidrs, p.Ipv6Cidrs))
	}
	wantPorts := []string{"22/tcp [0.0.0.0/0] [::/0]", "80/tcp [0.0.0.0/0] [::/0]", "443/tcp [0.0.0.0/0] [::/0]"}
	if !reflect.DeepEqual(ports, wantPorts) {
		t.Errorf("ports = %v, want %v", ports, wantPorts)
	}
}

func TestGetInstances(t *testing.T) {
	tests := []struct {
		name      string
		scenario  string
		region    string
		pageToken string
		wantNames []string
		wantErr   errKind
	}{
		{name: "fresh lists WordPress-1", scenario: "wordpress-fresh", wantNames: []string{"WordPress-1"}},
		{name: "empty has no instances", scenario: "empty", wantNames: nil},
		{name: "other region sees nothing", scenario: "wordpress-fresh", region: "eu-west-1", wantNames: nil},
		{name: "garbage page token refused", scenario: "wordpress-fresh", pageToken: "zzz", wantErr: invalidErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFast(t, func(o *emulator.Options) { o.Scenario = tt.scenario })
			var optFns []func(*lightsail.Options)
			if tt.region != "" {
				optFns = append(optFns, func(o *lightsail.Options) { o.Region = tt.region })
			}
			in := &lightsail.GetInstancesInput{}
			if tt.pageToken != "" {
				in.PageToken = aws.String(tt.pageToken)
			}
			out, err := c.GetInstances(ctxT(t), in, optFns...)
			checkErr(t, err, tt.wantErr)
			if err != nil {
				return
			}
			var names []string
			for _, i := range out.Instances {
				names = append(names, aws.ToString(i.Name))
			}
			if !reflect.DeepEqual(names, tt.wantNames) {
				t.Errorf("instances = %v, want %v", names, tt.wantNames)
			}
		})
	}
}

func TestGetInstanceUnknownIsNotFound(t *testing.T) {
	_, c := startFast(t, nil)
	_, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-9")})
	checkErr(t, err, notFoundErr)
}

func TestFirewallCalls(t *testing.T) {
	all4, all6 := "0.0.0.0/0", "::/0"
	tests := []struct {
		name    string
		call    func(ctx context.Context, c *lightsail.Client) error
		wantErr errKind
		want    []string // port states after the call; nil = unchanged
	}{
		{
			name: "put replaces every rule",
			call: func(ctx context.Context, c *lightsail.Client) error {
				_, err := c.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"),
					PortInfos: []types.PortInfo{tcp(443, 443, all4), tcp(22, 22, "203.0.113.7")}})
				return err
			},
			want: []string{"443-443/tcp[0.0.0.0/0||]", "22-22/tcp[203.0.113.7/32||]"},
		},
		{
			name: "put with alias and ipv6 keeps both",
			call: func(ctx context.Context, c *lightsail.Client) error {
				p := tcp(22, 22)
				p.Ipv6Cidrs, p.CidrListAliases = []string{"2001:db8::1"}, []string{"lightsail-connect"}
				_, err := c.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfos: []types.PortInfo{p}})
				return err
			},
			want: []string{"22-22/tcp[|2001:db8::1/128|lightsail-connect]"},
		},
		{
			name: "open adds a rule",
			call: func(ctx context.Context, c *lightsail.Client) error {
				_, err := c.OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"),
					PortInfo: &types.PortInfo{FromPort: 8, ToPort: -1, Protocol: types.NetworkProtocolIcmp, Cidrs: []string{all4}}})
				return err
			},
			want: []string{"22-22/tcp[0.0.0.0/0|::/0|]", "80-80/tcp[0.0.0.0/0|::/0|]", "443-443/tcp[0.0.0.0/0|::/0|]", "8--1/icmp[0.0.0.0/0||]"},
		},
		{
			name: "open on an existing range replaces its sources",
			call: func(ctx context.Context, c *lightsail.Client) error {
				p := tcp(22, 22, "198.51.100.4/32")
				_, err := c.OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfo: &p})
				return err
			},
			want: []string{"80-80/tcp[0.0.0.0/0|::/0|]", "443-443/tcp[0.0.0.0/0|::/0|]", "22-22/tcp[198.51.100.4/32||]"},
		},
		{
			name: "close removes the rule",
			call: func(ctx context.Context, c *lightsail.Client) error {
				p := tcp(80, 80, all4)
				p.Ipv6Cidrs = []string{all6}
				_, err := c.CloseInstancePublicPorts(ctx, &lightsail.CloseInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfo: &p})
				return err
			},
			want: []string{"22-22/tcp[0.0.0.0/0|::/0|]", "443-443/tcp[0.0.0.0/0|::/0|]"},
		},
		{name: "port above 65535", wantErr: invalidErr, call: putOne(tcp(22, 70000, all4))},
		{name: "negative tcp port", wantErr: invalidErr, call: putOne(tcp(-1, 22, all4))},
		{name: "fromPort above toPort", wantErr: invalidErr, call: putOne(tcp(443, 80, all4))},
		{name: "unknown protocol", wantErr: invalidErr, call: putOne(types.PortInfo{FromPort: 22, ToPort: 22, Protocol: "sctp"})},
		{name: "malformed cidr", wantErr: invalidErr, call: putOne(tcp(22, 22, "10.0.0.0/33"))},
		{name: "ipv6 in cidrs", wantErr: invalidErr, call: putOne(tcp(22, 22, "2001:db8::/32"))},
		{name: "unknown alias", wantErr: invalidErr, call: putOne(types.PortInfo{FromPort: 22, ToPort: 22, Protocol: "tcp", CidrListAliases: []string{"office"}})},
		{name: "61 ipv4 sources", wantErr: invalidErr, call: putOne(tcp(22, 22, manyCIDRs(61)...))},
		{
			name: "60 ipv4 sources are fine",
			call: putOne(tcp(22, 22, manyCIDRs(60)...)),
			want: []string{"22-22/tcp[" + strings.Join(manyCIDRs(60), ",") + "||]"},
		},
		{
			name:    "unknown instance",
			wantErr: notFoundErr,
			call: func(ctx context.Context, c *lightsail.Client) error {
				_, err := c.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("nope"), PortInfos: []types.PortInfo{}})
				return err
			},
		},
		{
			name:    "open on unknown instance",
			wantErr: notFoundErr,
			call: func(ctx context.Context, c *lightsail.Client) error {
				p := tcp(22, 22)
				_, err := c.OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{InstanceName: aws.String("nope"), PortInfo: &p})
				return err
			},
		},
	}
	initial := []string{"22-22/tcp[0.0.0.0/0|::/0|]", "80-80/tcp[0.0.0.0/0|::/0|]", "443-443/tcp[0.0.0.0/0|::/0|]"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := startFast(t, nil)
			before := e.State()
			err := tt.call(ctxT(t), c)
			checkErr(t, err, tt.wantErr)
			want := tt.want
			if tt.wantErr != noErr {
				want = initial
				if !reflect.DeepEqual(before, e.State()) {
					t.Error("a refused call changed the state")
				}
			}
			if got := ruleSummary(portStates(t, c, "WordPress-1")); !reflect.DeepEqual(got, want) {
				t.Errorf("port states = %v, want %v", got, want)
			}
		})
	}
}

func putOne(p types.PortInfo) func(ctx context.Context, c *lightsail.Client) error {
	return func(ctx context.Context, c *lightsail.Client) error {
		_, err := c.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfos: []types.PortInfo{p}})
		return err
	}
}

func TestOperationStartedThenSucceeded(t *testing.T) {
	_, c := startFast(t, nil)
	ctx := ctxT(t)
	out, err := c.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfos: []types.PortInfo{tcp(22, 22, "203.0.113.7/32")}})
	checkErr(t, err, noErr)
	op := out.Operation
	if op.Status != types.OperationStatusStarted || aws.ToBool(op.IsTerminal) {
		t.Fatalf("fresh operation status=%s terminal=%v, want Started/false", op.Status, aws.ToBool(op.IsTerminal))
	}
	if op.OperationType != types.OperationTypePutInstancePublicPorts || aws.ToString(op.ResourceName) != "WordPress-1" || op.ResourceType != types.ResourceTypeInstance {
		t.Errorf("operation = %s on %s %s", op.OperationType, op.ResourceType, aws.ToString(op.ResourceName))
	}
	if op.CreatedAt == nil || time.Since(*op.CreatedAt) > time.Minute {
		t.Errorf("createdAt = %v, want about now", op.CreatedAt)
	}
	got, err := c.GetOperation(ctx, &lightsail.GetOperationInput{OperationId: op.Id})
	checkErr(t, err, noErr)
	if got.Operation.Status != types.OperationStatusStarted {
		t.Errorf("immediately after: status %s, want Started", got.Operation.Status)
	}
	time.Sleep(testOpDelay + 10*time.Millisecond)
	got, err = c.GetOperation(ctx, &lightsail.GetOperationInput{OperationId: op.Id})
	checkErr(t, err, noErr)
	if got.Operation.Status != types.OperationStatusSucceeded || !aws.ToBool(got.Operation.IsTerminal) {
		t.Errorf("after delay: status %s terminal %v, want Succeeded/true", got.Operation.Status, aws.ToBool(got.Operation.IsTerminal))
	}
	list, err := c.GetOperations(ctx, &lightsail.GetOperationsInput{})
	checkErr(t, err, noErr)
	if len(list.Operations) != 1 || aws.ToString(list.Operations[0].Id) != aws.ToString(op.Id) {
		t.Errorf("GetOperations = %d ops, want just %s", len(list.Operations), aws.ToString(op.Id))
	}
	_, err = c.GetOperation(ctx, &lightsail.GetOperationInput{OperationId: aws.String("00000000-0000-4000-8000-000000000000")})
	checkErr(t, err, notFoundErr)
}

func TestGetOperationsPaginates(t *testing.T) {
	_, c := startFast(t, func(o *emulator.Options) { o.PageSize = 2 })
	ctx := ctxT(t)
	var ids []string
	for _, p := range []int32{1000, 1001, 1002} {
		pi := tcp(p, p)
		out, err := c.OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfo: &pi})
		checkErr(t, err, noErr)
		ids = append(ids, aws.ToString(out.Operation.Id))
	}
	var seen []string
	var token *string
	pages := 0
	for {
		out, err := c.GetOperations(ctx, &lightsail.GetOperationsInput{PageToken: token})
		checkErr(t, err, noErr)
		pages++
		for _, op := range out.Operations {
			seen = append(seen, aws.ToString(op.Id))
		}
		if out.NextPageToken == nil {
			break
		}
		token = out.NextPageToken
	}
	slices.Reverse(ids) // newest first
	if pages != 2 || !reflect.DeepEqual(seen, ids) {
		t.Errorf("pages=%d ops=%v, want 2 pages with %v", pages, seen, ids)
	}
}

func TestInstanceSnapshots(t *testing.T) {
	_, c := startFast(t, nil)
	ctx := ctxT(t)
	create := func(snap, inst string) error {
		_, err := c.CreateInstanceSnapshot(ctx, &lightsail.CreateInstanceSnapshotInput{InstanceName: aws.String(inst), InstanceSnapshotName: aws.String(snap)})
		return err
	}
	checkErr(t, create("before-hardening", "WordPress-1"), noErr)
	got, err := c.GetInstanceSnapshot(ctx, &lightsail.GetInstanceSnapshotInput{InstanceSnapshotName: aws.String("before-hardening")})
	checkErr(t, err, noErr)
	if got.InstanceSnapshot.State != types.InstanceSnapshotStatePending || aws.ToString(got.InstanceSnapshot.FromInstanceName) != "WordPress-1" {
		t.Errorf("new snapshot state=%s from=%s, want pending from WordPress-1", got.InstanceSnapshot.State, aws.ToString(got.InstanceSnapshot.FromInstanceName))
	}
	tests := []struct {
		name    string
		err     error
		wantErr errKind
	}{
		{"duplicate name", create("before-hardening", "WordPress-1"), invalidErr},
		{"bad name", create("-bad name-", "WordPress-1"), invalidErr},
		{"unknown instance", create("other", "nope"), notFoundErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.err, tt.wantErr) })
	}
	time.Sleep(testOpDelay + 10*time.Millisecond)
	list, err := c.GetInstanceSnapshots(ctx, &lightsail.GetInstanceSnapshotsInput{})
	checkErr(t, err, noErr)
	if len(list.InstanceSnapshots) != 1 || list.InstanceSnapshots[0].State != types.InstanceSnapshotStateAvailable {
		t.Fatalf("snapshots = %+v, want one available", list.InstanceSnapshots)
	}
	_, err = c.DeleteInstanceSnapshot(ctx, &lightsail.DeleteInstanceSnapshotInput{InstanceSnapshotName: aws.String("before-hardening")})
	checkErr(t, err, noErr)
	_, err = c.GetInstanceSnapshot(ctx, &lightsail.GetInstanceSnapshotInput{InstanceSnapshotName: aws.String("before-hardening")})
	checkErr(t, err, notFoundErr)
	_, err = c.DeleteInstanceSnapshot(ctx, &lightsail.DeleteInstanceSnapshotInput{InstanceSnapshotName: aws.String("before-hardening")})
	checkErr(t, err, notFoundErr)
}

func TestAutoSnapshotAddOn(t *testing.T) {
	tests := []struct {
		name      string
		timeOfDay string
		addOn     types.AddOnType
		wantErr   errKind
		wantTime  string
	}{
		{name: "default time", addOn: types.AddOnTypeAutoSnapshot, wantTime: "06:00"},
		{name: "chosen half hour", addOn: types.AddOnTypeAutoSnapshot, timeOfDay: "23:30", wantTime: "23:30"},
		{name: "not on a half hour", addOn: types.AddOnTypeAutoSnapshot, timeOfDay: "23:15", wantErr: invalidErr},
		{name: "unsupported add-on", addOn: types.AddOnTypeStopInstanceOnIdle, wantErr: invalidErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFast(t, nil)
			ctx := ctxT(t)
			req := &types.AddOnRequest{AddOnType: tt.addOn}
			if tt.timeOfDay != "" {
				req.AutoSnapshotAddOnRequest = &types.AutoSnapshotAddOnRequest{SnapshotTimeOfDay: aws.String(tt.timeOfDay)}
			}
			out, err := c.EnableAddOn(ctx, &lightsail.EnableAddOnInput{ResourceName: aws.String("WordPress-1"), AddOnRequest: req})
			checkErr(t, err, tt.wantErr)
			inst, gerr := c.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
			checkErr(t, gerr, noErr)
			if tt.wantErr != noErr {
				if len(inst.Instance.AddOns) != 0 {
					t.Errorf("refused EnableAddOn left add-ons %v", inst.Instance.AddOns)
				}
				return
			}
			if len(out.Operations) != 1 || out.Operations[0].OperationType != types.OperationTypeEnableAddOn {
				t.Errorf("operations = %+v, want one EnableAddOn", out.Operations)
			}
			if len(inst.Instance.AddOns) != 1 || aws.ToString(inst.Instance.AddOns[0].Name) != "AutoSnapshot" ||
				aws.ToString(inst.Instance.AddOns[0].Status) != "Enabled" || aws.ToString(inst.Instance.AddOns[0].SnapshotTimeOfDay) != tt.wantTime {
				t.Errorf("addOns = %+v, want AutoSnapshot Enabled at %s", inst.Instance.AddOns, tt.wantTime)
			}
			_, err = c.DisableAddOn(ctx, &lightsail.DisableAddOnInput{ResourceName: aws.String("WordPress-1"), AddOnType: types.AddOnTypeAutoSnapshot})
			checkErr(t, err, noErr)
			inst, _ = c.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
			if len(inst.Instance.AddOns) != 0 {
				t.Errorf("after DisableAddOn addOns = %+v", inst.Instance.AddOns)
			}
		})
	}
}

func TestGetRegions(t *testing.T) {
	_, c := startFast(t, nil)
	out, err := c.GetRegions(ctxT(t), &lightsail.GetRegionsInput{IncludeAvailabilityZones: aws.Bool(true)})
	checkErr(t, err, noErr)
	i := slices.IndexFunc(out.Regions, func(r types.Region) bool { return r.Name == types.RegionNameUsEast1 })
	if i < 0 {
		t.Fatalf("regions %v lack us-east-1", out.Regions)
	}
	if len(out.Regions[i].AvailabilityZones) == 0 || aws.ToString(out.Regions[i].AvailabilityZones[0].ZoneName) != "us-east-1a" {
		t.Errorf("us-east-1 zones = %+v, want us-east-1a first", out.Regions[i].AvailabilityZones)
	}
}

func TestScenarios(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T, s emulator.State)
	}{
		{"empty", func(t *testing.T, s emulator.State) {
			if len(s.Instances) != 0 || len(s.LoadBalancers) != 0 {
				t.Errorf("empty scenario has %d instances, %d LBs", len(s.Instances), len(s.LoadBalancers))
			}
		}},
		{"wordpress-fresh", func(t *testing.T, s emulator.State) {
			if len(s.Instances) != 1 || len(s.LoadBalancers) != 0 || len(s.Snapshots) != 0 || len(s.Domains) != 1 || s.Domains[0].Name != "example.com" {
				t.Errorf("fresh: %d instances, %d LBs, %d snapshots, domains %+v", len(s.Instances), len(s.LoadBalancers), len(s.Snapshots), s.Domains)
			}
		}},
		{"wordpress-hardened", func(t *testing.T, s emulator.State) {
			in := s.Instances[0]
			ssh := in.Networking.Ports[0]
			if ssh.FromPort != 22 || !reflect.DeepEqual(ssh.Cidrs, []string{"198.51.100.4/32"}) || len(ssh.Ipv6Cidrs) != 0 ||
				!reflect.DeepEqual(ssh.CidrListAliases, []string{"lightsail-connect"}) {
				t.Errorf("hardened SSH rule = %+v", ssh)
			}
			if len(in.AddOns) != 1 || in.AddOns[0].Name != "AutoSnapshot" {
				t.Errorf("hardened add-ons = %+v", in.AddOns)
			}
			if len(s.LoadBalancers) != 1 || !s.LoadBalancers[0].HTTPSRedirectionEnabled || s.LoadBalancers[0].State != "active" ||
				!reflect.DeepEqual(s.LoadBalancers[0].PublicPorts, []int32{80, 443}) {
				t.Errorf("hardened LB = %+v", s.LoadBalancers)
			}
			if len(s.Certificates) != 1 || s.Certificates[0].Status != "ISSUED" || !s.Certificates[0].IsAttached {
				t.Errorf("hardened certificate = %+v", s.Certificates)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := startFast(t, func(o *emulator.Options) { o.Scenario = tt.name })
			tt.check(t, e.State())
		})
	}
	if _, err := emulator.New(emulator.Options{Scenario: "nonsense"}); err == nil {
		t.Error("New accepted an unknown scenario")
	}
}

func TestStateIsADeepCopy(t *testing.T) {
	e, c := startFast(t, nil)
	s := e.State()
	s.Instances[0].Networking.Ports[0].Cidrs[0] = "6.6.6.6/32"
	s.Instances[0].Name = "changed"
	if again := e.State(); again.Instances[0].Name != "WordPress-1" || again.Instances[0].Networking.Ports[0].Cidrs[0] != "0.0.0.0/0" {
		t.Fatal("editing a State() result changed the emulator")
	}
	before := e.State()
	_, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	if !reflect.DeepEqual(before, e.State()) {
		t.Error("a read-only call changed the state")
	}
}

func ctxBG() context.Context { return context.Background() }
