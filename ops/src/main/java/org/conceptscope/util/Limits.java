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
		throw new IllegalArgumentException(what + " need about " + readableSize(need, left) + " of Java's heap for " + forWhat + ", more than the "
			+ readableSize(left, need) + " it has free of the " + readableSize(Runtime.getRuntime().maxMemory()) + " Java may use: "
			+ (fits > 0 ? "explain at most " + fits + " " + atATime + ", or " : "") + "give Java more memory (-Xmx"
			+ Math.max(1, heapToGive(bare, left)) + "g or more; in Fiji, Edit > Options > Memory & Threads...).");
	}

	/**
	 * "240 MB", "2.5 GB": sizes in the sentences, the same in every one (kB below 1 MB and MB below 1 GB, where "0.0 GB"
	 * would hide the size).
	 */
	public static String readableSize(long bytes) {
		return size(bytes, 0);
	}

	/**
	 * {@code bytes} as {@link #readableSize(long)} writes it, with as many more digits as it takes to differ from
	 * {@code other} ("needs 0.2 GB, more than the 0.2 GB it has free" hides why it is refused). Given the same two sizes
	 * either way round, it chooses the same digits for both.
	 */
	public static String readableSize(long bytes, long other) {
		int digits = 0;
		while (digits < 9 && bytes != other && shown(bytes, digits) == shown(other, digits)) digits++;
		return size(bytes, digits);
	}

	private static String size(long bytes, int more) {
		int u = unit(bytes);
		return String.format(java.util.Locale.ROOT, "%." + (DECIMALS[u] + more) + "f " + UNITS[u], bytes / SCALE[u]);
	}

	/** The size {@link #size} writes, in bytes, so that two sizes compare as a reader sees them. */
	private static double shown(long bytes, int more) {
		int u = unit(bytes);
		double step = SCALE[u] / Math.pow(10, DECIMALS[u] + more);
		return Math.round(bytes / step) * step;
	}

	private static final String[] UNITS = {"kB", "MB", "GB"};
	private static final double[] SCALE = {1e3, 1e6, 1e9};
	private static final int[] DECIMALS = {0, 0, 1};

	/** The unit a size is written in: the largest it reaches once rounded (999.6 MB is "1.0 GB", not "1000 MB"). */
	private static int unit(long bytes) {
		return bytes >= 999.5e6 ? 2 : bytes >= 999.5e3 ? 1 : 0;
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
