package org.conceptscope.util;

/**
 * Upper bounds on the counts a method is given (samples, steps, masks, designs, grid cells), checked
 * when the method is made, before any work: a count far beyond what any explanation needs (a typo,
 * an overflowed number) would otherwise run for days at 0 % or fail half-way out of memory.
 */
public final class Limits {

	/** Model passes per image a count may ask for (samples, steps, masks, designs). */
	public static final int MAX_PASSES = 100_000;

	/** Cells per side of a mask grid ({@code grid * grid} cells). */
	public static final int MAX_GRID = 1024;

	/**
	 * Pixels per side of an optimised image (MACO's canvas: 4 times Xplique's 512; its spectrum, phase
	 * and optimiser state take about 150 MB per channel at this size).
	 */
	public static final int MAX_CANVAS = 2048;

	private Limits() {}

	/**
	 * Heap bytes Java can still give, for a check of {@code need} bytes: measured again after a
	 * collection when the first measure is short of it (uncollected garbage, such as the copies made
	 * while images were read, counts as used until then).
	 */
	public static long heapLeft(long need) {
		Runtime rt = Runtime.getRuntime();
		long left = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
		if (left >= need) return left;
		System.gc();
		return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
	}

	/**
	 * The -Xmx, in whole gigabytes, that leaves room for {@code need} bytes beside what the heap holds
	 * now ({@code left} of it free, as {@link #heapLeft} measured): what is in use plus the need, a
	 * quarter more for the collector's headroom, rounded up.
	 */
	public static long heapToGive(long need, long left) {
		long used = Math.max(0, Runtime.getRuntime().maxMemory() - left);
		return (long) Math.ceil((need + used) * 1.25 / (1L << 30));
	}

	/**
	 * Refuses, before the images go through the model, {@code n} images whose work the heap cannot hold: {@code fixed}
	 * bytes whatever their number and {@code perImage} bytes an image, a quarter more for the collector's headroom
	 * (the largest arrays are one block each, which a nearly full heap cannot place: a 128 MB heap ran out of memory
	 * at the end of a run counted to fill it). The sentence names the most images that fit and the -Xmx for all (heapToGive
 * adds the quarter itself, so it is given the need without it).
	 *
	 * @param what the images, e.g. "The 2000 slice(s) of 'stack'"
	 * @param forWhat what the bytes are for, after "of Java's heap for "
	 * @param atATime how the remedy names a part, e.g. "slices at a time (a substack)"
	 */
	public static void checkImagesHeap(String what, long n, long fixed, long perImage, String forWhat, String atATime) {
		long bare = (long) Math.min(Long.MAX_VALUE / 2, fixed + perImage * (double) n), need = (long) Math.min(Long.MAX_VALUE / 2, bare * 1.25),
			left = heapLeft(need);
		if (need <= left) return;
		long fits = Math.max(0, (long) ((left / 1.25 - fixed) / Math.max(1, perImage)));
		throw new IllegalArgumentException(what + " need about " + gigabytes(need) + " of Java's heap for " + forWhat + ", more than the "
			+ gigabytes(left) + " it has free of the " + gigabytes(Runtime.getRuntime().maxMemory()) + " Java may use: "
			+ (fits > 0 ? "explain at most " + fits + " " + atATime + ", or " : "") + "give Java more memory (-Xmx"
			+ Math.max(1, heapToGive(bare, left)) + "g or more; in Fiji, Edit > Options > Memory & Threads...).");
	}

	/** "2.5 GB": sizes in the sentences, the same in every one. */
	public static String gigabytes(long bytes) {
		return String.format(java.util.Locale.ROOT, "%.1f GB", bytes / 1e9);
	}

	/**
	 * Refuses {@code value} above {@code max} with one sentence naming the method and key.
	 *
	 * @param method the method's name for the sentence, e.g. "SmoothGrad"
	 * @param key the parameter's key, e.g. "samples"
	 */
	public static int atMost(String method, String key, int value, int max) {
		if (value > max) {
			throw new IllegalArgumentException((method == null ? "" : method + ": ") + key + "=" + value + " is more than " + max + ", the most ConceptScope"
				+ " allows (each one costs model passes or memory for every image); use a value of at most " + max + ".");
		}
		return value;
	}

	/**
	 * {@link #atMost(String, String, int, int)} for a command's settings check: the sentence names the
	 * key only, as the command's reporter puts the command's name before it.
	 */
	public static int atMost(String key, int value, int max) {
		return atMost(null, key, value, max);
	}

	/** {@link #atMost(String, int, int)} with {@link #MAX_PASSES}. */
	public static int passes(String key, int value) {
		return atMost(null, key, value, MAX_PASSES);
	}

	/** {@link #atMost} with {@link #MAX_PASSES}. */
	public static int passes(String method, String key, int value) {
		return atMost(method, key, value, MAX_PASSES);
	}

	/** {@link #atMost} with {@link #MAX_GRID}. */
	public static int grid(String method, String key, int value) {
		return atMost(method, key, value, MAX_GRID);
	}
}
