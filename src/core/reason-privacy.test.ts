import { describe, expect, it } from 'vitest'
import { checkReasonPrivacy } from './reason-privacy.js'

const EMAIL_ERROR = 'reason contains an e-mail address; moderation actions are public records'
const PHONE_ERROR = 'reason contains a phone number; moderation actions are public records'

describe('checkReasonPrivacy', () => {
  const allowed: string[] = [
    '',
    'Spam post',
    'Community guidelines violation',
    'Duplicate post',
    'Rule 3',
    'Rule 3, 4 and 5',
    'posted 3 times',
    'banned since 2024',
    'repeat offender 2023-2024',
    'seen in 2022 2023 2024',
    'incident on 2024-01-15',
    'incident on 15.01.2024',
    'incident on 01/15/2024 at 12:30',
    'more than 1,000,000 views',
    '1.000.000 views',
    '1 000 000 views',
    'spam from 192.168.100.200',
    'list item 1 2 3 4 5 6 7',
    'ticket 12345',
    'order 1712345678',
    'see #atrarium_01234567',
    'reply to at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3jzfcijpj2z2a',
    'mentions @alice.bsky.social repeatedly',
    'version 1.2.3',
    'scored 100-200',
  ]
  it.each(allowed)('allows %j', (reason) => {
    expect(checkReasonPrivacy(reason)).toEqual({ ok: true, value: reason })
  })

  const emails: string[] = [
    'Removed based on report from user XXX (email: xxx@example.com)',
    'contact a.b+tag@mail.example.co.uk',
    'jane_doe@example.org',
    'full-width ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ',
    'ユーザー@例え.テスト',
  ]
  it.each(emails)('refuses e-mail address in %j', (reason) => {
    expect(checkReasonPrivacy(reason)).toEqual({ ok: false, error: EMAIL_ERROR })
  })

  const phones: string[] = [
    'call +1 555-123-4567',
    'call (555) 123-4567',
    'call +1 (555) 123-4567',
    'call 555-123-4567',
    'call 555.123.4567',
    'call 555-1234',
    '携帯090-1234-5678まで',
    'tel 03-1234-5678',
    'ring +44 20 7946 0958',
    'ring 020 7946 0958',
    'ring +33 1 23 45 67 89',
    'ring 01 23 45 67 89',
    'ring 030 1234567',
    'number +4930123456',
    'number 09012345678',
    'full-width ０９０－１２３４－５６７８',
  ]
  it.each(phones)('refuses phone number in %j', (reason) => {
    expect(checkReasonPrivacy(reason)).toEqual({ ok: false, error: PHONE_ERROR })
  })
})
