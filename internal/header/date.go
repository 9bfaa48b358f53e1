package header

import (
	"net/http"
	"time"
)

// HTTP-date parsing (RFC 9110 §5.6.7), written out by hand because
// time.Parse allocates for the "GMT" zone and accepts more than the grammar
// (one-digit hours, fractional seconds, any zone name, any letter case).
// Recipients must accept all three formats; HTTP-date is case-sensitive.
//
//	IMF-fixdate  = day-name "," SP date1 SP time-of-day SP GMT   ; Sun, 06 Nov 1994 08:49:37 GMT
//	rfc850-date  = day-name-l "," SP date2 SP time-of-day SP GMT ; Sunday, 06-Nov-94 08:49:37 GMT
//	asctime-date = day-name SP date3 SP time-of-day SP year      ; Sun Nov  6 08:49:37 1994

var dayNames = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

var longDayNames = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// ParseHTTPDate parses one HTTP-date and returns it as Unix seconds. now is
// only used to place a two-digit rfc850 year. The weekday is checked against
// the grammar but not against the date, as most recipients do. Anything else
// (surrounding text, a list of dates, a bad calendar date) fails, and the
// caller then ignores the field (RFC 9110 §13.1.3, §13.1.4). It does not
// allocate.
func ParseHTTPDate(s string, now time.Time) (int64, bool) {
	switch {
	case len(s) == 29 && s[3] == ',':
		return parseIMFFixdate(s)
	case len(s) == 24 && s[3] == ' ':
		return parseAsctime(s)
	default:
		return parseRFC850(s, now)
	}
}

// parseIMFFixdate parses "Sun, 06 Nov 1994 08:49:37 GMT".
func parseIMFFixdate(s string) (int64, bool) {
	if !isDayName(s[:3]) || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[25:] != " GMT" {
		return 0, false
	}
	day, ok1 := digits2(s[5:7])
	month, ok2 := monthIndex(s[8:11])
	year, ok3 := digits4(s[12:16])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	return civil(year, month, day, s[17:25])
}

// parseAsctime parses "Sun Nov  6 08:49:37 1994" (day is 2DIGIT or SP DIGIT).
func parseAsctime(s string) (int64, bool) {
	if !isDayName(s[:3]) || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' {
		return 0, false
	}
	month, ok := monthIndex(s[4:7])
	if !ok {
		return 0, false
	}
	var day int
	if s[8] == ' ' {
		if !isDigit(s[9]) {
			return 0, false
		}
		day = int(s[9] - '0')
	} else if day, ok = digits2(s[8:10]); !ok {
		return 0, false
	}
	year, ok := digits4(s[20:24])
	if !ok {
		return 0, false
	}
	return civil(year, month, day, s[11:19])
}

// parseRFC850 parses "Sunday, 06-Nov-94 08:49:37 GMT". RFC 9110 §5.6.7: a
// two-digit year that appears to be more than 50 years in the future is the
// most recent past year with those digits. So the year is the latest one with
// those digits that is at most 50 years after now, decided on whole years.
func parseRFC850(s string, now time.Time) (int64, bool) {
	comma := -1
	for i := 0; i < len(s) && i < 10; i++ {
		if s[i] == ',' {
			comma = i
			break
		}
	}
	if comma < 0 || !isLongDayName(s[:comma]) {
		return 0, false
	}
	r := s[comma:]
	// ", 06-Nov-94 08:49:37 GMT"
	if len(r) != 24 || r[1] != ' ' || r[4] != '-' || r[8] != '-' || r[11] != ' ' || r[20:] != " GMT" {
		return 0, false
	}
	day, ok1 := digits2(r[2:4])
	month, ok2 := monthIndex(r[5:8])
	yy, ok3 := digits2(r[9:11])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	cur := now.UTC().Year()
	year := cur - cur%100 + yy
	if year > cur+50 {
		year -= 100
	} else if year <= cur-50 {
		year += 100
	}
	return civil(year, month, day, r[12:20])
}

// civil validates the calendar date and "hh:mm:ss" and returns Unix seconds.
// Second 60 (a leap second, allowed by §5.6.7) is the first second of the
// next minute.
func civil(year int, month time.Month, day int, hms string) (int64, bool) {
	if hms[2] != ':' || hms[5] != ':' {
		return 0, false
	}
	hh, ok1 := digits2(hms[0:2])
	mm, ok2 := digits2(hms[3:5])
	ss, ok3 := digits2(hms[6:8])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	if day < 1 || day > daysIn(month, year) {
		return 0, false
	}
	days := daysSinceEpoch(int64(year), int64(month), int64(day))
	return days*86400 + int64(hh)*3600 + int64(mm)*60 + int64(ss), true
}

// daysSinceEpoch returns the number of days from 1970-01-01 to the given
// proleptic Gregorian date, by arithmetic alone (time.Date normalises and
// costs several times more on a path that parses every Last-Modified). The
// year is counted from March, so that the leap day ends it: then every
// 400-year era has 146097 days and a day of the year follows from the month
// by one linear formula, (153*m+2)/5 days before month m (March = 0).
func daysSinceEpoch(year, month, day int64) int64 {
	if month <= 2 {
		year--
	}
	era := year / 400
	if year < 0 && year%400 != 0 {
		era--
	}
	yearOfEra := year - era*400
	m := (month + 9) % 12
	dayOfYear := (153*m+2)/5 + day - 1
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	// 719468 days separate 0000-03-01, the first day of era 0, from the epoch.
	return era*146097 + dayOfEra - 719468
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func isDayName(s string) bool {
	for _, d := range dayNames {
		if s == d {
			return true
		}
	}
	return false
}

func isLongDayName(s string) bool {
	for _, d := range longDayNames {
		if s == d {
			return true
		}
	}
	return false
}

func monthIndex(s string) (time.Month, bool) {
	for i, m := range monthNames {
		if s == m {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digits2(s string) (int, bool) {
	if !isDigit(s[0]) || !isDigit(s[1]) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func digits4(s string) (int, bool) {
	a, ok1 := digits2(s[:2])
	b, ok2 := digits2(s[2:])
	return a*100 + b, ok1 && ok2
}

// FormatHTTPDate returns sec as an IMF-fixdate, the only format a sender may
// generate (RFC 9110 §5.6.7).
func FormatHTTPDate(sec int64) string {
	return time.Unix(sec, 0).UTC().Format(http.TimeFormat)
}

// AppendHTTPDate appends sec as an IMF-fixdate to b, so that a caller can
// build several header values in one allocation.
func AppendHTTPDate(b []byte, sec int64) []byte {
	return time.Unix(sec, 0).UTC().AppendFormat(b, http.TimeFormat)
}
