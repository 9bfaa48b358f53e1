module github.com/httpsem/httpsem/benchmarks

go 1.25.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/elnormous/contenttype v1.0.4
	github.com/go-http-utils/etag v0.0.0-20161124023236-513ea8f21eb1
	github.com/golang/gddo v0.0.0-20190904175337-72a348e765d2
	github.com/httpsem/httpsem v0.0.0-00010101000000-000000000000
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822
	github.com/pquerna/cachecontrol v0.2.0
	github.com/stretchr/testify v1.12.1
	github.com/zeebo/xxh3 v1.1.0
	golang.org/x/perf v0.0.0-20250813145418-2f7363a06fe1
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/go-http-utils/fresh v0.0.0-20161124030543-7231e26a4b27 // indirect
	github.com/go-http-utils/headers v0.0.0-20181008091004-fed159eddc2a // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/klauspost/cpuid/v2 v2.2.10 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.40.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace github.com/httpsem/httpsem => ../

tool golang.org/x/perf/cmd/benchstat
