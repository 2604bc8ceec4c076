package policy

// Status is where an account stands in its lifecycle (seed "Account Termination").
type Status string

const (
	StatusRegistered Status = "registered" // imported from the registry, not yet activated
	StatusActive     Status = "active"     // activated by the student
	StatusGrace      Status = "grace"      // studies completed; four months of grace
	StatusAlumni     Status = "alumni"     // degree graduate after grace: keeps e-mail
	StatusTerminated Status = "terminated" // student services ended, no alumni account
)

// Level is the study level printed on the account summary.
type Level string

const (
	LevelUG Level = "UG"
	LevelPG Level = "PG"
)

// Category decides alumni eligibility: only degree students become alumni.
type Category string

const (
	CategoryDegree    Category = "degree"
	CategoryNonDegree Category = "non-degree"
	CategoryExchange  Category = "exchange"
	CategoryVisiting  Category = "visiting"
)
