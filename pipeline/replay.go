package pipeline

import (
	"context"
	"fmt"

	"github.com/leadsync/leadsync/state"
)

// replayPage is how many outcomes a replay reads from state at a time.
const replayPage = 4096

// replayer gives the Reporter the lines of the rows an earlier invocation
// of this run finished (a resumed run's done rows, a resumed export's
// committed ones), from their outcomes in state, as the read reaches
// them: a resumed run's written.csv and rejected.csv then hold the whole
// run, not only the last invocation's rows. The read is in row order, so
// one pass over the run's outcomes, in pages, serves it.
type replayer struct {
	cfg    SyncConfig
	except string // a status whose rows are not replayed
	page   []state.Outcome
	at     int
	after  int // the last row read from state
	eof    bool
}

// newReplayer is nil when there is nothing to replay (rows false) or
// nowhere to. Rows of status except are not replayed.
func newReplayer(cfg SyncConfig, rows bool, except string) *replayer {
	if !rows || cfg.Reporter == nil || cfg.Store == nil || cfg.RunID == 0 {
		return nil
	}
	return &replayer{cfg: cfg, except: except}
}

// row reports row, which an earlier invocation finished, as it did then;
// rows come in increasing order. A nil replayer reports nothing.
func (r *replayer) row(ctx context.Context, row int, raw []string) error {
	if r == nil {
		return nil
	}
	for {
		for r.at < len(r.page) && r.page[r.at].Row < row {
			r.at++
		}
		if r.at < len(r.page) {
			if o := r.page[r.at]; o.Row == row {
				r.at++
				return reportOutcome(r.cfg.Reporter, o, raw)
			}
			return nil // no outcome: nothing to say
		}
		if r.eof {
			return nil
		}
		// A local read, done even while the run stops: every row read
		// is handed on, its line included.
		page, err := r.cfg.Store.OutcomesAfter(context.WithoutCancel(ctx), r.cfg.RunID, r.after, replayPage, r.except)
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
		r.page, r.at, r.eof = page, 0, len(page) < replayPage
		if len(page) > 0 {
			r.after = page[len(page)-1].Row
		}
	}
}
