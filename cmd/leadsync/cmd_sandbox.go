package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/leadsync/leadsync/pipeline/job"
	"github.com/leadsync/leadsync/sinks/emulator"
)

func sandboxCommand(e *env) *cli.Command {
	var titles, names []string
	for _, v := range e.vendors {
		if v.NewEmulator != nil {
			titles, names = append(titles, v.Title), append(names, v.Name)
		}
	}
	return &cli.Command{
		Name:  "sandbox",
		Usage: "serve the " + job.CountWord(len(names)) + " vendor emulators on loopback, with test credentials",
		Description: job.AndList(titles) + ", each under its own path on one port,\n" +
			"strict as the real vendors (auth, required fields, status codes, error bodies, rate limits).\n" +
			"Faults can be injected, deterministically for a --seed. Stop with Ctrl-C.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8760", Usage: "listen on `HOST:PORT` (port 0: any free port)"},
			&cli.BoolFlag{Name: "allow-remote", Usage: "allow a non-loopback --addr (the emulators hold test credentials)"},
			&cli.StringFlag{Name: "fixtures", Usage: "seed from a YAML/JSON `FILE` with " + strings.Join(names, ", ") + " sections"},
			&cli.Float64Flag{Name: "time-scale", Value: 1, Usage: "shrink every rate-limit window by `F` (0.01: 60 s becomes 600 ms)"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seed for injected faults"},
			&cli.Float64Flag{Name: "error500", Usage: "answer this `FRACTION` of requests with a 500 before acting"},
			&cli.Float64Flag{Name: "extra429", Usage: "answer this `FRACTION` of requests with the vendor's 429"},
			&cli.Float64Flag{Name: "drop-after-write", Usage: "perform this `FRACTION` of writes, then drop the connection unanswered"},
			&cli.Float64Flag{Name: "latency", Usage: "delay this `FRACTION` of requests by --latency-delay"},
			&cli.DurationFlag{Name: "latency-delay", Value: 2 * time.Second, Usage: "the injected delay"},
		},
		Action: func(c *cli.Context) error { return sandbox(c, e) },
	}
}

// sandbox serves the emulators until Ctrl-C.
func sandbox(c *cli.Context, e *env) error {
	s := job.EmulatorSettings{
		TimeScale: c.Float64("time-scale"),
		Faults: emulator.Faults{
			Seed: c.Int64("seed"), Error500: c.Float64("error500"), Extra429: c.Float64("extra429"),
			DropAfterWrite: c.Float64("drop-after-write"), Latency: c.Float64("latency"), LatencyDelay: c.Duration("latency-delay"),
		},
	}
	if err := s.Validate(); err != nil {
		return classErr(err)
	}
	vendors := job.NewSandboxVendors(e.vendors, s)
	if p := c.String("fixtures"); p != "" {
		if err := job.SeedFixtures(p, vendors); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := emulator.Listen(ctx, c.String("addr"), c.Bool("allow-remote"))
	if err != nil {
		return withCode(ExitUsage, err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprint(e.stdout, job.DescribeSandbox(base, vendors, s))
	return withCode(ExitUsage, job.ServeSandbox(ctx, ln, vendors))
}
