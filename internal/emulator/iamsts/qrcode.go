package iamsts

import (
	"bytes"
	"image"
	"image/png"
	"sync"
)

// placeholderQRCodePNG stands in for AWS's QR code: go.mod has no QR encoder,
// and hardsail draws its terminal QR from the seed, so the emulator only owes
// the SDK a decodable PNG. It is a white 21×21 image, the size of a version-1 QR.
var placeholderQRCodePNG = sync.OnceValue(func() []byte {
	img := image.NewGray(image.Rect(0, 0, 21, 21))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("encode placeholder QR code PNG: " + err.Error())
	}
	return b.Bytes()
})
