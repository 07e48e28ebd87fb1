// Package media stores uploaded files and serves them back under /media/.
//
// Storage is the small interface the transports use; Dir keeps files in a
// local directory, writing each one to a temporary file first and renaming
// it into place so a reader never sees half a file. SaveAvatar is the one
// way an avatar enters storage: it reads a bounded number of bytes, decides
// the format from the bytes alone (never from the file name or the client's
// Content-Type), refuses decompression bombs by checking the pixel count in
// the header before decoding, decodes the whole image to refuse truncated or
// corrupt files, and stores it under a random name. Handler serves stored
// files with a long cache lifetime, the sniffed Content-Type and headers
// that stop a browser from running anything it finds there.
package media
