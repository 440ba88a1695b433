package org.conceptscope.util;

import java.util.SplittableRandom;

/**
 * Independent random streams for the items of one seeded computation (mask k, sample j, image i).
 * <p>
 * A generator seeded with {@code seed * G + index} (G the golden-ratio step SplittableRandom itself
 * adds) gives seed s + 1 the stream of seed s shifted by one draw, so two seeds gave nearly the same
 * masks one cell apart; {@code java.util.Random} seeded index apart barely moves its first draw. Here
 * the seed is mixed first (SplitMix64's finaliser), then the index is stepped from it as SplittableRandom
 * steps its own state: different seeds are unrelated, and items of one seed are the well-spread
 * outputs of one SplitMix64 sequence.
 */
public final class Seeds {

	private static final long GOLDEN = 0x9E3779B97F4A7C15L;

	private Seeds() {}

	/** The generator of item {@code index} of the computation seeded with {@code seed}. */
	public static SplittableRandom stream(long seed, long index) {
		return new SplittableRandom(mix64(mix64(seed) + index * GOLDEN));
	}

	/**
	 * The generator of the item called {@code name} (a variable of a model): the index is a 64-bit
	 * FNV-1a hash of the name, so names that differ in one character get unrelated streams.
	 */
	public static SplittableRandom stream(long seed, String name) {
		long h = 0xCBF29CE484222325L;
		for (int i = 0; i < name.length(); i++) {
			h ^= name.charAt(i);
			h *= 0x100000001B3L;
		}
		return stream(seed, h);
	}

	/** SplitMix64's finaliser (Steele, Lea and Flood 2014): every input bit moves about half the output bits. */
	static long mix64(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}
}
