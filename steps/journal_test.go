package steps

import (
	"errors"
	"strconv"
	"testing"
)

func TestDecodeAllRefusesAllOnTheFirstBadEntry(t *testing.T) {
	decode := func(e Entry) (int, error) {
		n, err := strconv.Atoi(e.ID)
		if err != nil {
			return 0, &TamperedError{Entry: e.ID, Why: "not a number"}
		}
		return n, nil
	}
	got, err := DecodeAll([]Entry{{ID: "1"}, {ID: "2"}}, decode)
	if err != nil || len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("DecodeAll = %v, %v; want [1 2]", got, err)
	}
	calls := 0
	counting := func(e Entry) (int, error) { calls++; return decode(e) }
	got, err = DecodeAll([]Entry{{ID: "1"}, {ID: "x"}, {ID: "3"}}, counting)
	var te *TamperedError
	if !errors.As(err, &te) || got != nil {
		t.Fatalf("DecodeAll with a bad entry = %v, %v; want nil and the *TamperedError", got, err)
	}
	if calls != 2 {
		t.Errorf("decode called %d times, want 2 (it stops at the bad entry)", calls)
	}
}
