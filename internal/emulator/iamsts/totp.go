package iamsts

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

const totpStep = 30 * time.Second

// TOTP returns the RFC 6238 code (6 digits, 30 s step, HMAC-SHA1) an
// authenticator app shows at t for base32Seed, or "" if the seed is not base32.
func TOTP(base32Seed string, t time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(base32Seed, "=")))
	if err != nil {
		return ""
	}
	return totpAt(key, t.Unix()/int64(totpStep/time.Second))
}

func totpAt(key []byte, counter int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

// consecutiveCodesMatch is EnableMFADevice's check: code1 and code2 must be the
// codes of two consecutive steps, and AWS tolerates one step of clock skew, so
// the pair may end one step before now, at now, or one step after.
func consecutiveCodesMatch(seed string, now time.Time, code1, code2 string) bool {
	step := now.Unix() / int64(totpStep/time.Second)
	for _, first := range []int64{step - 2, step - 1, step} {
		t1 := time.Unix(first*int64(totpStep/time.Second), 0)
		if TOTP(seed, t1) == code1 && TOTP(seed, t1.Add(totpStep)) == code2 {
			return true
		}
	}
	return false
}
