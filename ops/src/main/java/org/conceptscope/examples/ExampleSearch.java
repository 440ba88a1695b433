package org.conceptscope.examples;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Function;

import org.conceptscope.tensor.FeatureColumns;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Stage;

/**
 * Nearest examples and prototypes of one set of training examples in one {@link LatentSpace}, as
 * the Nearest Examples command computes them: the training examples are projected first and laid
 * out by feature ({@link FeatureColumns}); the prototypes need nothing else, so their distances and
 * selection run in the background
 * ({@link Stage}: on the common pool's threads, the caller joining in when it waits) while the
 * model projects the cases and the cases' neighbours are found. The results are those of
 * {@link NearestExamples#find} and {@link Prototypes#select} / {@link Prototypes#perClass} to the
 * bit: each distance is the same sum whichever thread computes it. A failure in the background is
 * rethrown as it was thrown; when the caller fails or is cancelled, the background work is stopped
 * and waited for, so that none of it runs after {@link #run} returns.
 */
public final class ExampleSearch {

	/**
	 * @param neighbours each case's nearest training examples (empty when none were asked for)
	 * @param prototypes one selection of all the training examples, or one per class with labels (empty when none were asked for)
	 */
	public record Result(List<NearestExamples.Neighbours> neighbours, List<Prototypes.Selection> prototypes) {}

	private final LatentSpace space;
	private final NearestExamples nearest;
	private final Prototypes prototypes;

	/**
	 * @param nearest the neighbour search, or null for none
	 * @param prototypes the prototype selection, or null for none
	 */
	public ExampleSearch(LatentSpace space, NearestExamples nearest, Prototypes prototypes) {
		if (nearest == null && prototypes == null) throw new IllegalArgumentException("Ask for nearest examples, prototypes or both.");
		this.space = space;
		this.nearest = nearest;
		this.prototypes = prototypes;
	}

	/**
	 * @param training [m, H, W, C] training images
	 * @param labels each training image's class for per-class prototypes, or null for prototypes of all of them together
	 * @param classes the number of classes (with labels)
	 * @param cases [n, H, W, C] the images whose neighbours are wanted (unused, and may be null, without a neighbour search)
	 * @param progress reports one count over the training images projected, the cases projected, the
	 *        prototypes' rows of distances and their groups chosen; a cancel stops the work
	 * @throws CancellationException when progress asks to stop
	 */
	public Result run(FloatTensor training, int[] labels, int classes, FloatTensor cases, Progress progress) {
		return run(training, labels, classes, cases, progress, prototypes == null ? null : prototypes::select);
	}

	/** As above, the prototypes of each group chosen by {@code select} from its squared distances (tests replace it). */
	Result run(FloatTensor training, int[] labels, int classes, FloatTensor cases, Progress progress, Function<double[][], Prototypes.Selection> select) {
		int m = (int) training.dim(0);
		if (m < 1) throw new IllegalArgumentException("No training examples to search; give a folder with at least one image.");
		if (nearest != null && (cases == null || cases.dim(0) < 1)) throw new IllegalArgumentException("No images to find the nearest examples of.");
		if (labels != null && labels.length != m) throw new IllegalArgumentException(labels.length + " labels for " + m + " training examples.");
		// the prototypes' groups: all examples (null), or each class's
		int[][] members = prototypes == null ? null : labels == null ? new int[][] { null } : Prototypes.classMembers(labels, classes);
		long rowItems = 0;
		int[] sizes = prototypes == null ? new int[0] : java.util.Arrays.stream(members).mapToInt(g -> g == null ? m : g.length).toArray();
		for (int size : sizes) rowItems += LatentSpace.pairedRows(size);
		long values = space.valuesPerImage(training), caseCount = nearest == null ? 0 : cases.dim(0);
		long need = bytesNeeded(values, m, caseCount, sizes, labels != null);
		checkMemory(need, org.conceptscope.util.Limits.heapLeft(need), values, m, sizes);
		// one count over the phases, so the bar does not start again at each
		long groups = members == null ? 0 : members.length;
		long total = m + caseCount + rowItems + groups, rowsFrom = m + caseCount, rows = rowItems;
		FloatTensor latent = space.project(training, after(progress, 0, total), "training examples");
		int d = (int) latent.dim(1);
		// all training examples by feature, for the cases' distances and for the prototypes without labels
		FeatureColumns[] all = new FeatureColumns[1];
		Stage columns = nearest == null && labels != null ? null : Stage.start(1, i -> all[0] = FeatureColumns.of(latent.data(), m, d));
		Background b = prototypes == null ? new Background(new Stage[0], null) : startPrototypes(latent, members, select, columns, all);
		try {
			List<NearestExamples.Neighbours> found = List.of();
			if (nearest != null) {
				FloatTensor projected = space.project(cases, after(progress, m, total), "images");
				columns.join();
				found = nearest.find(projected, all[0]);
			}
			goOn(progress, rowsFrom, total, "examples");
			if (prototypes != null) {
				// the caller reports the items it does; each phase's end is reported whoever did them
				b.stages()[0].join();
				b.stages()[1].join(done -> progress.report(rowsFrom + done, total, DISTANCES));
				goOn(progress, rowsFrom + rows, total, DISTANCES);
				b.stages()[2].join(done -> progress.report(rowsFrom + rows + done, total, PROTOTYPES));
				goOn(progress, total, total, PROTOTYPES);
			}
			return new Result(found, b.out() == null ? List.of() : List.of(b.out()));
		} catch (RuntimeException | Error e) {
			// the last stages first: a stage waiting on an earlier one would otherwise start on its partial results
			Stage[] stages = b.stages();
			for (int k = stages.length - 1; k >= 0; k--) cancel(stages[k], e);
			if (columns != null) cancel(columns, e);
			throw e;
		}
	}

	private static void cancel(Stage s, Throwable cause) {
		Throwable f = s.cancel();
		if (f != null && f != cause) cause.addSuppressed(f);
	}

	/** The prototypes' background stages and where their selections go. */
	private record Background(Stage[] stages, Prototypes.Selection[] out) {}

	/**
	 * Starts the prototypes' background work: each group's examples (all, or one class's), their
	 * distances (row items of all groups together), then each group's selection.
	 */
	private static Background startPrototypes(FloatTensor latent, int[][] members, Function<double[][], Prototypes.Selection> select,
		Stage columns, FeatureColumns[] all) {
		int m = (int) latent.dim(0), d = (int) latent.dim(1);
		int groups = members.length;
		FeatureColumns[] byFeature = new FeatureColumns[groups];
		double[][][] d2 = new double[groups][][];
		int[] first = new int[groups + 1]; // row items of group g: first[g]..first[g + 1] - 1
		for (int g = 0; g < groups; g++) {
			int size = members[g] == null ? m : members[g].length;
			d2[g] = new double[size][size];
			first[g + 1] = first[g] + LatentSpace.pairedRows(size);
		}
		Prototypes.Selection[] out = new Prototypes.Selection[groups];
		Stage gather = Stage.start(groups, g -> {
			byFeature[g] = members[g] == null ? all[0] : FeatureColumns.of(latent.rows(members[g]).data(), members[g].length, d);
		}, members.length > 0 && members[0] == null ? new Stage[] { columns } : new Stage[0]); // all examples: their columns, computed once for both uses
		Stage rows = Stage.start(first[groups], item -> {
			int g = 0;
			while (first[g + 1] <= item) g++;
			LatentSpace.pairedRow(byFeature[g], d2[g], item - first[g]);
		}, gather);
		Stage pick = Stage.start(groups, g -> {
			if (d2[g].length == 0) out[g] = Prototypes.NONE;
			else out[g] = members[g] == null ? select.apply(d2[g]) : Prototypes.global(select.apply(d2[g]), members[g]);
		}, rows);
		return new Background(new Stage[] { gather, rows, pick }, out);
	}

	static final String DISTANCES = "distances between training examples", PROTOTYPES = "prototypes";

	/**
	 * Bytes the search holds at once for m training images of d values each in the layer: their
	 * projection (parts and their concatenation, floats), laid out by feature in doubles for the cases'
	 * distances or the prototypes of all of them, each class's copy and layout for per-class prototypes,
	 * the cases' projection and their distances to every training image, and the prototypes'.
	 *
	 * @param sizes the prototypes' groups (none without prototypes)
	 */
	static long bytesNeeded(long d, long m, long cases, int[] sizes, boolean labels) {
		boolean prototypes = sizes.length > 0, allColumns = cases > 0 || prototypes && !labels;
		long bytes = 8 * m * d + (allColumns ? 8 * m * d : 0) + (prototypes && labels ? 12 * m * d : 0);
		if (cases > 0) bytes += 8 * cases * d + 8 * cases * m;
		return bytes + (prototypes ? Prototypes.bytesNeeded(sizes) : 0);
	}

	/**
	 * Refuses, in one sentence, a search that needs {@code need} bytes ({@link #bytesNeeded}) when Java has
	 * only {@code available}, before any image goes through the model.
	 */
	static void checkMemory(long need, long available, long d, long m, int[] sizes) {
		if (sizes.length > 0) Prototypes.checkMemory(sizes, need, available);
		else if (need > available) {
			throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "The nearest examples among %d training images of %d values"
				+ " each in this layer need about %s, and Java has %s left: use fewer training images, a layer of fewer values"
				+ " (layer=), or give Java more memory (-Xmx).", m, d, org.conceptscope.util.Limits.readableSize(need, available), org.conceptscope.util.Limits.readableSize(available, need)));
		}
	}

	private static void goOn(Progress progress, long done, long total, String message) {
		if (!progress.report(done, total, message)) throw new CancellationException("Nearest examples cancelled.");
	}

	/** Progress of a phase that counts its own units from {@code before} on, in a count of {@code total}. */
	private static Progress after(Progress progress, long before, long total) {
		return (done, all, message) -> progress.report(before + done, total, message);
	}
}
