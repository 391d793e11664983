package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Status is the body of GET /v1/status.
type Status struct {
	Ready bool `json:"ready"`
	// NotReady says why, when Ready is false.
	NotReady string `json:"not_ready,omitempty"`
	// Revision is the active revision of policy and data.
	Revision string `json:"revision"`
	// Sources describe each policy or data source: revision, load times,
	// last load error, tenant warnings.
	Sources any          `json:"sources"`
	Cache   *CacheStatus `json:"cache"`
}

// CacheStatus describes the decision cache; nil when it is off.
type CacheStatus struct {
	// Size is the capacity in decisions (--cache-size), MaxBytes in bytes.
	Size     int64   `json:"size"`
	MaxBytes int64   `json:"max_bytes"`
	Entries  uint64  `json:"entries"`
	Bytes    uint64  `json:"bytes"`
	Hits     uint64  `json:"hits"`
	Misses   uint64  `json:"misses"`
	HitRatio float64 `json:"hit_ratio"`
}

func (a *api) status(c *gin.Context) {
	if a.cfg.Status == nil {
		a.fail(c, errNotFound)
		return
	}
	s := a.cfg.Status(c.Request.Context())
	if cs := s.Cache; cs != nil && cs.Hits+cs.Misses > 0 {
		cs.HitRatio = float64(cs.Hits) / float64(cs.Hits+cs.Misses)
	}
	if err := a.cfg.Ready(); err != nil {
		s.Ready, s.NotReady = false, err.Error()
	} else {
		s.Ready = true
	}
	c.JSON(http.StatusOK, s)
}
