package fleet

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Limiter spaces AWS calls shared by every instance of a run, so a fleet's bursts stay under
// Lightsail's request rate instead of being throttled; the SDK's retryer absorbs the rest.
type Limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time // when the next call may go
	burst    time.Duration
}

// DefaultRate is the AWS calls per second a fleet run makes at most, unless told otherwise.
const DefaultRate = 20

// NewLimiter lets perSecond calls through per second, with bursts of up to burst calls.
func NewLimiter(perSecond float64, burst int) *Limiter {
	iv := time.Duration(float64(time.Second) / perSecond)
	return &Limiter{interval: iv, burst: iv * time.Duration(max(burst, 1)-1)}
}

// Wait blocks until a call may go, or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	if earliest := now.Add(-l.burst); l.next.Before(earliest) {
		l.next = earliest
	}
	at := l.next
	l.next = l.next.Add(l.interval)
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// HTTPClient sends every request (each retry attempt too) through the limiter.
func (l *Limiter) HTTPClient(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	return limitedClient{l: l, next: next}
}

type limitedClient struct {
	l    *Limiter
	next aws.HTTPClient
}

func (c limitedClient) Do(r *http.Request) (*http.Response, error) {
	if err := c.l.Wait(r.Context()); err != nil {
		return nil, err
	}
	return c.next.Do(r)
}
