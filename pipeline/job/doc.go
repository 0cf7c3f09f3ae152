// Package job runs leadsync jobs: the library under the leadsync command.
//
// Load reads and validates a job file (YAML: a source, a sink, a mapping),
// opens its source and compiles its mapping; every problem comes at once
// with file:line:col. A loaded Job then
//
//   - Runs (Run): reads, maps, groups, plans and writes every row, records
//     each row's outcome in the job's state database and writes the run's
//     reports; running the same job on the same input resumes an
//     unfinished run. RunOptions select a dry run (plan with reads only and
//     write the diff, optionally a plan file), the application of such a
//     plan, a retry of rejected entities, a replacement input and masked
//     reports. A job with `mirror: true` then deletes at the vendor the
//     records a complete run no longer holds.
//   - Reconciles (Reconcile): after a migration, what the source has that
//     the target lacks, and the reverse.
//
// OpenHistory reads past runs (Runs, Show); OpenSetup applies a job's
// vendor setup. Results are data (Summary, DiffResult, Reconciliation,
// RunInfo) with a Class that a command maps to its exit code; their
// WriteText methods render them as the leadsync command prints them.
//
// The package prints nothing by itself: logs go to RunOptions.Logger,
// progress to RunOptions.Progress (StartProgress is the command's
// display), and the lines meant for a person to RunOptions.Notify.
// A Job reads its source once: Load it again for another run.
package job
