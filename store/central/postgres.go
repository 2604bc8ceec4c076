package central

import (
	"context"
	"errors"
)

func OpenPostgres(ctx context.Context, url string, opt Options) (Backend, error) {
	return nil, errors.New("central store: PostgreSQL is not built in yet")
}
