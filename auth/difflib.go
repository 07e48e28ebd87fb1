package auth

import "sort"

// sequenceMatcher is Python's difflib.SequenceMatcher over code points, with
// no junk function and autojunk on (the defaults Django's validators use).
// Django's UserAttributeSimilarityValidator only asks for quickRatio; ratio
// is kept so the three measures stay comparable with Python's.
type sequenceMatcher struct {
	a, b []rune
	b2j  map[rune][]int
	// bpopular holds elements of b removed from b2j by the autojunk rule;
	// they are not junk and may still extend a match.
	bpopular map[rune]bool
}

// newSequenceMatcher builds the matcher for a and b, chaining b as Python does.
func newSequenceMatcher(a, b string) *sequenceMatcher {
	m := &sequenceMatcher{a: []rune(a), b: []rune(b), b2j: map[rune][]int{}, bpopular: map[rune]bool{}}
	for j, r := range m.b {
		m.b2j[r] = append(m.b2j[r], j)
	}
	if n := len(m.b); n >= 200 {
		ntest := n/100 + 1
		for r, idxs := range m.b2j {
			if len(idxs) > ntest {
				m.bpopular[r] = true
			}
		}
		for r := range m.bpopular {
			delete(m.b2j, r)
		}
	}
	return m
}

// calculateRatio is difflib's _calculate_ratio.
func calculateRatio(matches, length int) float64 {
	if length > 0 {
		return 2.0 * float64(matches) / float64(length)
	}
	return 1.0
}

// realQuickRatio is an upper bound on ratio from the lengths alone.
func (m *sequenceMatcher) realQuickRatio() float64 {
	la, lb := len(m.a), len(m.b)
	return calculateRatio(min(la, lb), la+lb)
}

// quickRatio is an upper bound on ratio: the size of the multiset
// intersection of a and b, as Python computes it.
func (m *sequenceMatcher) quickRatio() float64 {
	full := make(map[rune]int, len(m.b))
	for _, r := range m.b {
		full[r]++
	}
	avail := map[rune]int{}
	matches := 0
	for _, r := range m.a {
		numb, ok := avail[r]
		if !ok {
			numb = full[r]
		}
		avail[r] = numb - 1
		if numb > 0 {
			matches++
		}
	}
	return calculateRatio(matches, len(m.a)+len(m.b))
}

// match is one matching block: a[i:i+k] == b[j:j+k].
type match struct{ i, j, k int }

// findLongestMatch is difflib's find_longest_match without junk.
func (m *sequenceMatcher) findLongestMatch(alo, ahi, blo, bhi int) match {
	besti, bestj, bestsize := alo, blo, 0
	j2len := map[int]int{}
	for i := alo; i < ahi; i++ {
		newj2len := map[int]int{}
		for _, j := range m.b2j[m.a[i]] {
			if j < blo {
				continue
			}
			if j >= bhi {
				break
			}
			k := j2len[j-1] + 1
			newj2len[j] = k
			if k > bestsize {
				besti, bestj, bestsize = i-k+1, j-k+1, k
			}
		}
		j2len = newj2len
	}
	// Extend with equal elements on both sides: popular elements are
	// missing from b2j but are not junk, so they may still join the match.
	for besti > alo && bestj > blo && m.a[besti-1] == m.b[bestj-1] {
		besti, bestj, bestsize = besti-1, bestj-1, bestsize+1
	}
	for besti+bestsize < ahi && bestj+bestsize < bhi && m.a[besti+bestsize] == m.b[bestj+bestsize] {
		bestsize++
	}
	return match{besti, bestj, bestsize}
}

// matchingBlocks is difflib's get_matching_blocks without the sentinel.
func (m *sequenceMatcher) matchingBlocks() []match {
	type span struct{ alo, ahi, blo, bhi int }
	queue := []span{{0, len(m.a), 0, len(m.b)}}
	var blocks []match
	for len(queue) > 0 {
		s := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		x := m.findLongestMatch(s.alo, s.ahi, s.blo, s.bhi)
		if x.k == 0 {
			continue
		}
		blocks = append(blocks, x)
		if s.alo < x.i && s.blo < x.j {
			queue = append(queue, span{s.alo, x.i, s.blo, x.j})
		}
		if x.i+x.k < s.ahi && x.j+x.k < s.bhi {
			queue = append(queue, span{x.i + x.k, s.ahi, x.j + x.k, s.bhi})
		}
	}
	sort.Slice(blocks, func(p, q int) bool {
		if blocks[p].i != blocks[q].i {
			return blocks[p].i < blocks[q].i
		}
		return blocks[p].j < blocks[q].j
	})
	return blocks
}

// ratio is 2*M/T, M being the number of matched elements.
func (m *sequenceMatcher) ratio() float64 {
	matches := 0
	for _, b := range m.matchingBlocks() {
		matches += b.k
	}
	return calculateRatio(matches, len(m.a)+len(m.b))
}
