package auth

// quickRatio is Python's difflib.SequenceMatcher(None, a, b).quick_ratio()
// over code points: 2*M/T, where M is the size of the multiset intersection
// of a and b and T their total length. Django's
// UserAttributeSimilarityValidator asks for nothing else. (The autojunk rule
// of SequenceMatcher does not affect quick_ratio, which counts every
// element of b.)
func quickRatio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	avail := make(map[rune]int, len(rb))
	for _, r := range rb {
		avail[r]++
	}
	matches := 0
	for _, r := range ra {
		if avail[r] > 0 {
			avail[r]--
			matches++
		}
	}
	if n := len(ra) + len(rb); n > 0 {
		return 2 * float64(matches) / float64(n)
	}
	return 1
}
