// The key attributes every layer names: the encryption algorithm (EA) and the base date of the TID.
// IEC 62055-41 EA codes 07/09/11 and the base dates 1993/2014/2035 (sts-reference §5, §11.1).

/** The encryption algorithm of a decoder key: `sta` (EA07), `dea` (EA09, deprecated), `misty1` (EA11). */
export type EncryptionAlgorithm = 'sta' | 'dea' | 'misty1';

/** The year a TID counts minutes from (00:00 UTC on 1 January): 1993, 2014 or 2035. */
export type BaseDate = 1993 | 2014 | 2035;
