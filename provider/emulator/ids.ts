import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
let counter = 0;

/** A cuid-style id as Astro issues them: 25 lowercase letters and digits, starting with "c". */
export function cuid(): string {
  const time = Date.now().toString(36).padStart(8, "0").slice(-8);
  const count = (counter++ % 36 ** 4).toString(36).padStart(4, "0");
  const random = Array.from(randomBytes(12), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `c${time}${count}${random}`;
}

/** A request id in the style Astro puts in error bodies. */
export function requestId(): string {
  return randomBytes(8).toString("hex");
}
