package awsapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Call is one AWS operation as the command log shows it, reads included.
type Call struct {
	Service   string // "Lightsail", "IAM", "STS"
	Operation string // "PutInstancePublicPorts"
	Region    string
	Duration  time.Duration
	Err       error
}

// hook is a function the session sets and the SDK's middleware or logger calls, on the callers'
// goroutines; a nil one is none.
type hook[F ~func(Call) | ~func(string)] struct{ p atomic.Pointer[F] }

func (h *hook[F]) set(fn F) {
	if fn == nil {
		h.p.Store(nil)
		return
	}
	h.p.Store(&fn)
}

func (h *hook[F]) get() F {
	if p := h.p.Load(); p != nil {
		return *p
	}
	return nil
}

// callObserver is shared by every client built from one configuration, so one Observe covers them.
type callObserver struct{ hook[func(Call)] }

// observe adds the middleware that reports every operation (once, after its retries) to o.
func (o *callObserver) observe(cfg *aws.Config) {
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("hardsailCallLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				if fn := o.get(); fn != nil {
					fn(Call{Service: awsmiddleware.GetServiceID(ctx), Operation: awsmiddleware.GetOperationName(ctx),
						Region: awsmiddleware.GetRegion(ctx), Duration: time.Since(start), Err: err})
				}
				return out, md, err
			}), middleware.Before)
	})
}

// Observe sends every AWS operation these clients make to fn (nil stops it).
func (c *Clients) Observe(fn func(Call)) {
	if c.calls != nil {
		c.calls.set(fn)
	}
}

// Refused reports whether err says AWS refused the request, so it changed nothing: a client fault
// (invalid input, not found, access denied, throttled) as opposed to a server fault, a time-out or
// a connection lost after the request was sent.
func Refused(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		if api.ErrorFault() == smithy.FaultClient {
			return true
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		code := re.HTTPStatusCode()
		return code >= 400 && code < 500
	}
	return false
}

// sdkLog is the SDK's own logger for these clients. The SDK logs a few warnings itself (a response
// body it could not drain, say), by default to stderr, which the wizard's screen owns: here they
// go to the run's log (LogTo), or nowhere before there is one.
type sdkLog struct{ hook[func(string)] }

func (l *sdkLog) Logf(c logging.Classification, format string, v ...any) {
	if fn := l.get(); fn != nil {
		fn(string(c) + " " + fmt.Sprintf(format, v...))
	}
}

// LogTo sends the SDK's own log messages of these clients to fn (nil drops them, as before any
// LogTo): never to stderr.
func (c *Clients) LogTo(fn func(message string)) {
	if c.sdkLog != nil {
		c.sdkLog.set(fn)
	}
}
