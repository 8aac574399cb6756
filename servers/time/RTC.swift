// RTC.swift - the CMOS real-time clock's registers (sm_time_rtc_read) as
// seconds since 1970 UTC.  The chip keeps the date as the BIOS set it:
// BCD unless status register B's bit 2 says binary, 12-hour (the top bit
// of the hour meaning PM) unless bit 1 says 24-hour, a two-digit year with
// the century in its own register.  QEMU's RTC, like a PC's, holds UTC.

import CTimeServer

struct RTCReading {
    var seconds, minutes, hours, day, month, year, century, statusB: UInt32

    /// Reads the chip through the kernel; nil if the kernel refuses.
    static func read(hostPriv: mach_port_t) -> RTCReading? {
        var r = RTCReading(seconds: 0, minutes: 0, hours: 0, day: 0, month: 0, year: 0, century: 0, statusB: 0)
        let kr = sm_time_rtc_read(hostPriv, &r.seconds, &r.minutes, &r.hours, &r.day, &r.month,
                                  &r.year, &r.century, &r.statusB)
        return kr == KERN_SUCCESS ? r : nil
    }

    var binary: Bool { statusB & 0x04 != 0 }
    var twentyFourHour: Bool { statusB & 0x02 != 0 }

    func value(_ raw: UInt32) -> Int64 {
        binary ? Int64(raw) : Int64((raw >> 4) * 10 + (raw & 0x0f))
    }

    /// Seconds since 1970-01-01 00:00 UTC, or nil for a date the chip
    /// cannot hold (a lying or unset clock).
    var unixSeconds: Int64? {
        var hour = value(hours & 0x7f)
        if !twentyFourHour {
            let pm = hours & 0x80 != 0
            if hour == 12 { hour = 0 }
            if pm { hour += 12 }
        }
        let c = value(century)
        let fullYear = (c >= 19 && c <= 29 ? c : 20) * 100 + value(year)
        let m = value(month), d = value(day), min = value(minutes), s = value(seconds)
        guard m >= 1 && m <= 12 && d >= 1 && d <= 31 && hour < 24 && min < 60 && s < 60 else { return nil }
        return daysSince1970(year: fullYear, month: m, day: d) * 86400 + hour * 3600 + min * 60 + s
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date: count whole
/// 400-year eras from 0000-03-01 (a year starting in March puts the leap
/// day last), then the day within the era.
func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let monthFromMarch = month > 2 ? month - 3 : month + 9
    let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146097 + dayOfEra - 719468      // 719468: 0000-03-01 to 1970-01-01
}
