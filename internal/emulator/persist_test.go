package emulator_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
)

// TestSaveRestore: an account saved by one emulator and restored into a new one (the demo's next
// run) is the same account, Lightsail and IAM, and a pending certificate still validates there
// once its records are in the zone.
func TestSaveRestore(t *testing.T) {
	e, c := startFast(t, nil)
	ctx := ctxT(t)
	_, err := c.OpenInstancePublicPorts(ctx, &lightsail.OpenInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"),
		PortInfo: &types.PortInfo{FromPort: 8080, ToPort: 8080, Protocol: types.NetworkProtocolTcp}})
	checkErr(t, err, noErr)
	createLB(t, c, "wp-lb")
	cert := createCert(t, c, "wp-lb", "wp-cert", "example.com")
	_, err = iam.NewFromConfig(e.AWSConfig()).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("administrator")})
	checkErr(t, err, noErr)

	b, err := e.Save()
	if err != nil {
		t.Fatal(err)
	}
	e2, c2 := startFast(t, nil)
	if err := e2.Restore(b); err != nil {
		t.Fatal(err)
	}
	if got, want := e2.State(), e.State(); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored Lightsail state differs:\n got %+v\nwant %+v", got, want)
	}
	if got, want := e2.IAM().Snapshot(), e.IAM().Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored IAM state differs:\n got %+v\nwant %+v", got, want)
	}
	// The restored account carries on: new ids do not repeat the saved ones.
	_, err = iam.NewFromConfig(e2.AWSConfig()).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("second")})
	checkErr(t, err, noErr)
	st := e2.IAM().Snapshot()
	if st.Users["second"].ID == st.Users["administrator"].ID {
		t.Fatalf("restored account reissued id %s", st.Users["second"].ID)
	}
	addCNAME(t, c2, aws.ToString(cert.DomainValidationRecords[0].Name), aws.ToString(cert.DomainValidationRecords[0].Value))
	if got := getCert(t, c2, "wp-lb", "wp-cert").Status; got != types.LoadBalancerTlsCertificateStatusIssued {
		t.Fatalf("restored certificate with its CNAME in the zone is %s, want ISSUED", got)
	}
}

func TestRestoreRefusesOtherLayouts(t *testing.T) {
	e, _ := startFast(t, nil)
	before := e.State()
	for _, bad := range []string{`not json`, `{"Version":99,"Region":"us-east-1"}`, `{"Version":1,"Region":"eu-west-2"}`} {
		if err := e.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%s) = nil, want an error", bad)
		}
	}
	if !reflect.DeepEqual(e.State(), before) {
		t.Fatal("a refused Restore changed the state")
	}
}
