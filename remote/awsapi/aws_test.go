package awsapi_test

import (
	"context"
	"testing"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/remote/awsapi"
)

// Lightsail throttles bursts; the clients hardsail builds must wait out more than the SDK's
// default three attempts would.
func TestClientsAbsorbAThrottlingBurst(t *testing.T) {
	for _, tc := range []struct {
		name      string
		throttles int
	}{
		// The SDK's default of three attempts would report this burst as an error.
		{"three throttles absorbed", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := emulator.Start(t, emulator.Options{Scenario: "wordpress-fresh"})
			c := awsapi.New(em.AWSConfig())
			em.Throttle(tc.throttles)
			_, err := c.InstanceNames(context.Background())
			if err != nil {
				t.Fatalf("after %d throttles: %v", tc.throttles, err)
			}
		})
	}
}
