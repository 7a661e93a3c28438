package fleet_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps/fleet"
)

// countingLightsail lists 5 instances two a page, and counts its calls.
type countingLightsail struct {
	awsapi.LightsailAPI // every other call panics
	pages, gets, ips    atomic.Int32
}

func (c *countingLightsail) GetInstances(_ context.Context, in *lightsail.GetInstancesInput, _ ...func(*lightsail.Options)) (*lightsail.GetInstancesOutput, error) {
	c.pages.Add(1)
	start, _ := strconv.Atoi(aws.ToString(in.PageToken))
	out := &lightsail.GetInstancesOutput{}
	for i := start; i < min(start+2, 5); i++ {
		out.Instances = append(out.Instances, types.Instance{Name: aws.String(fmt.Sprintf("wp-%d", i))})
	}
	if start+2 < 5 {
		out.NextPageToken = aws.String(strconv.Itoa(start + 2))
	}
	return out, nil
}

func (c *countingLightsail) GetInstance(_ context.Context, in *lightsail.GetInstanceInput, _ ...func(*lightsail.Options)) (*lightsail.GetInstanceOutput, error) {
	c.gets.Add(1)
	return nil, fmt.Errorf("NotFoundException: %s", aws.ToString(in.InstanceName))
}

func (c *countingLightsail) GetStaticIps(context.Context, *lightsail.GetStaticIpsInput, ...func(*lightsail.Options)) (*lightsail.GetStaticIpsOutput, error) {
	c.ips.Add(1)
	return &lightsail.GetStaticIpsOutput{}, nil
}

// TestRegionReadsListOncePerRegion: 50 instances' checks read each page of their region's instance
// listing and its static IPs once; GetInstance comes from the listing, and a name the listing does
// not hold is asked of Lightsail; another region has reads of its own.
func TestRegionReadsListOncePerRegion(t *testing.T) {
	reads := fleet.NewRegionReads()
	east, west := &countingLightsail{}, &countingLightsail{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			api := reads.For("us-east-1", east)
			name := fmt.Sprintf("wp-%d", i%5)
			out, err := api.GetInstance(context.Background(), &lightsail.GetInstanceInput{InstanceName: aws.String(name)})
			if err != nil || aws.ToString(out.Instance.Name) != name {
				t.Errorf("GetInstance %s: %v", name, err)
			}
			if _, err := api.GetStaticIps(context.Background(), &lightsail.GetStaticIpsInput{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if east.pages.Load() != 3 || east.ips.Load() != 1 || east.gets.Load() != 0 {
		t.Errorf("50 checks: %d listing pages, %d GetStaticIps, %d GetInstance; want 3, 1, 0", east.pages.Load(), east.ips.Load(), east.gets.Load())
	}
	if _, err := reads.For("us-east-1", east).GetInstance(context.Background(), &lightsail.GetInstanceInput{InstanceName: aws.String("gone")}); err == nil || east.gets.Load() != 1 {
		t.Errorf("an instance not listed: %v after %d GetInstance, want Lightsail's answer", err, east.gets.Load())
	}
	if _, err := reads.For("eu-west-1", west).GetStaticIps(context.Background(), &lightsail.GetStaticIpsInput{}); err != nil || west.ips.Load() != 1 {
		t.Errorf("another region shared the first one's answer: %d calls", west.ips.Load())
	}
}
