// Package media stores uploaded files and serves them back under /media/.
//
// Storage is the small interface the transports use; Dir keeps files in a
// local directory, writing each one to a temporary file first and renaming
// it into place so a reader never sees half a file. SaveAvatar is the one
// way an avatar enters storage: it decides the format from the bytes alone
// (never from the file name or the client's Content-Type), reads the
// header (ReadHeader) to refuse, before decoding anything, an image over
// the pixel limit or one whose decoding would need more memory than the
// decode budget, then decodes the whole image under a DecodeGate, which
// bounds the memory and number of decodes of the process
// (docs/limits.md, "Images"), to refuse truncated or corrupt files, and
// stores it under a random name. Handler serves stored files with a long
// cache lifetime, the sniffed Content-Type and headers that stop a browser
// from running anything it finds there.
package media
