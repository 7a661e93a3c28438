package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
)

// SSHAccess is what keyless SSH to an instance needs, from Lightsail's GetInstanceAccessDetails.
// PrivateKey is a secret: never log, print or journal it.
type SSHAccess struct {
	Addr       string   // public IP:22
	User       string   // the instance's login user (bitnami on WordPress)
	PrivateKey string   // temporary key, PEM
	CertKey    string   // OpenSSH certificate for PrivateKey
	HostKeys   []string // "ssh-ed25519 AAAA…" lines: the only host keys to trust
}

// InstanceLogin is where and as whom to log in to instance with the user's own key: its public
// IPv4 address with port 22 and its login user (GetInstance only).
func (c *Clients) InstanceLogin(ctx context.Context, instance string) (addr, user string, err error) {
	ip, user, err := c.instanceLogin(ctx, instance)
	if err != nil {
		return "", "", err
	}
	if ip == "" {
		return "", "", noPublicIP(instance)
	}
	return net.JoinHostPort(ip, "22"), user, nil
}

func (c *Clients) instanceLogin(ctx context.Context, instance string) (ip, user string, err error) {
	in, err := c.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: aws.String(instance)})
	if err != nil {
		return "", "", Classify("read instance "+instance, err)
	}
	return aws.ToString(in.Instance.PublicIpAddress), aws.ToString(in.Instance.Username), nil
}

func noPublicIP(instance string) error {
	return &Error{Kind: KindUsage, Op: "find the public address of " + instance, Err: errors.New("the instance has no public IPv4 address"),
		Hint: "Start the instance, or pass --ssh-host with an address that reaches it."}
}

// SSHAccess fetches temporary SSH credentials and the pinned host keys for instance.
func (c *Clients) SSHAccess(ctx context.Context, instance string) (SSHAccess, error) {
	ip, user, err := c.instanceLogin(ctx, instance)
	if err != nil {
		return SSHAccess{}, err
	}
	out, err := c.Lightsail.GetInstanceAccessDetails(ctx, &lightsail.GetInstanceAccessDetailsInput{
		InstanceName: aws.String(instance), Protocol: types.InstanceAccessProtocolSsh})
	if err != nil {
		return SSHAccess{}, Classify("get SSH access details for "+instance, err)
	}
	d := out.AccessDetails
	if d == nil {
		return SSHAccess{}, &Error{Op: "get SSH access details for " + instance, Err: errors.New("the response has no access details"),
			Hint: "Try again in a minute; if it persists, connect with --ssh-key instead."}
	}
	if ip == "" {
		ip = aws.ToString(d.IpAddress)
	}
	if ip == "" {
		return SSHAccess{}, noPublicIP(instance)
	}
	if user == "" {
		user = aws.ToString(d.Username)
	}
	a := SSHAccess{
		Addr:       net.JoinHostPort(ip, "22"),
		User:       user,
		PrivateKey: aws.ToString(d.PrivateKey),
		CertKey:    aws.ToString(d.CertKey),
	}
	for _, hk := range d.HostKeys {
		alg, key := aws.ToString(hk.Algorithm), aws.ToString(hk.PublicKey)
		if alg == "" || key == "" || alg == "x509-cert" {
			continue
		}
		a.HostKeys = append(a.HostKeys, alg+" "+key)
	}
	if a.PrivateKey == "" || a.CertKey == "" || len(a.HostKeys) == 0 {
		return SSHAccess{}, &Error{Op: "get SSH access details for " + instance,
			Err:  fmt.Errorf("incomplete access details (key %t, certificate %t, %d host keys)", a.PrivateKey != "", a.CertKey != "", len(a.HostKeys)),
			Hint: "Try again in a minute; if it persists, connect with --ssh-key instead."}
	}
	return a, nil
}
