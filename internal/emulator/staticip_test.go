package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
)

// TestStaticIPLifecycle drives the static IP calls over the wire: attaching one changes the
// instance's public address and isStaticIp, detaching gives it a new dynamic one, and the calls
// refuse what Lightsail refuses.
func TestStaticIPLifecycle(t *testing.T) {
	e, c := startFast(t, nil)
	ctx := ctxT(t)
	name := aws.String("StaticIp-1")
	inst := aws.String("WordPress-1")
	addr := func() (string, bool) {
		out, err := c.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: inst})
		checkErr(t, err, noErr)
		return aws.ToString(out.Instance.PublicIpAddress), aws.ToBool(out.Instance.IsStaticIp)
	}
	_, err := c.GetStaticIp(ctx, &lightsail.GetStaticIpInput{StaticIpName: name})
	checkErr(t, err, notFoundErr)
	_, err = c.AllocateStaticIp(ctx, &lightsail.AllocateStaticIpInput{StaticIpName: name})
	checkErr(t, err, noErr)
	_, err = c.AllocateStaticIp(ctx, &lightsail.AllocateStaticIpInput{StaticIpName: name})
	checkErr(t, err, invalidErr)
	ip, err := c.GetStaticIp(ctx, &lightsail.GetStaticIpInput{StaticIpName: name})
	checkErr(t, err, noErr)
	static := aws.ToString(ip.StaticIp.IpAddress)
	if static == "" || aws.ToBool(ip.StaticIp.IsAttached) {
		t.Fatalf("a new static IP: %+v, want an address, not attached", ip.StaticIp)
	}
	_, err = c.DetachStaticIp(ctx, &lightsail.DetachStaticIpInput{StaticIpName: name})
	checkErr(t, err, invalidErr)

	out, err := c.AttachStaticIp(ctx, &lightsail.AttachStaticIpInput{StaticIpName: name, InstanceName: inst})
	checkErr(t, err, noErr)
	if len(out.Operations) == 0 {
		t.Error("AttachStaticIp returned no operations")
	}
	if a, s := addr(); a != static || !s {
		t.Fatalf("after attach: %s static=%v, want %s static", a, s, static)
	}
	_, err = c.AttachStaticIp(ctx, &lightsail.AttachStaticIpInput{StaticIpName: name, InstanceName: inst})
	checkErr(t, err, invalidErr)
	list, err := c.GetStaticIps(ctx, &lightsail.GetStaticIpsInput{})
	checkErr(t, err, noErr)
	if len(list.StaticIps) != 1 || aws.ToString(list.StaticIps[0].AttachedTo) != "WordPress-1" {
		t.Errorf("GetStaticIps: %+v, want the one, attached to WordPress-1", list.StaticIps)
	}

	// The old address went to another account meanwhile: the instance gets a new one.
	e.GiveAddressAway("192.0.2.10")
	_, err = c.DetachStaticIp(ctx, &lightsail.DetachStaticIpInput{StaticIpName: name})
	checkErr(t, err, noErr)
	if a, s := addr(); a != "192.0.2.11" || s {
		t.Fatalf("after detach: %s static=%v, want a new dynamic 192.0.2.11", a, s)
	}
	_, err = c.ReleaseStaticIp(ctx, &lightsail.ReleaseStaticIpInput{StaticIpName: name})
	checkErr(t, err, noErr)
	if st := e.State(); len(st.StaticIPs) != 0 {
		t.Errorf("after release: %+v", st.StaticIPs)
	}
}
