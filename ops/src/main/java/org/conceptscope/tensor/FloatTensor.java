package org.conceptscope.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * A dense row-major float tensor: the one currency between images, the model and the
 * explanation methods. Image batches are NHWC (batch, height, width, channels), which is
 * TensorFlow's layout, so no transposition happens on the way to the model.
 */
public final class FloatTensor {

	private final long[] shape;
	private final float[] data;

	public FloatTensor(long[] shape, float[] data) {
		this.shape = shape.clone();
		long size = sizeOf(this.shape);
		if (size != data.length) {
			throw new IllegalArgumentException("Tensor data has " + data.length + " values but shape "
				+ Arrays.toString(shape) + " needs " + size + ".");
		}
		this.data = data;
	}

	public static FloatTensor zeros(long... shape) {
		return new FloatTensor(shape, new float[Math.toIntExact(sizeOf(shape))]);
	}

	public static long sizeOf(long[] shape) {
		long size = 1;
		for (long d : shape) {
			if (d < 0) throw new IllegalArgumentException("Negative dimension in shape " + Arrays.toString(shape) + ".");
			size = Math.multiplyExact(size, d);
		}
		return size;
	}

	/** Shape copy; the tensor itself never changes shape. */
	public long[] shape() {
		return shape.clone();
	}

	public int rank() {
		return shape.length;
	}

	public long dim(int axis) {
		return shape[axis];
	}

	/** The backing array (not a copy): methods that build tensors write into it directly. */
	public float[] data() {
		return data;
	}

	public int size() {
		return data.length;
	}

	/** Number of values per entry of the first axis. */
	public int stride0() {
		return shape.length == 0 || shape[0] == 0 ? 0 : data.length / (int) shape[0];
	}

	/** Entry i of the first axis, keeping a leading axis of 1 (a batch of one). */
	public FloatTensor slice(int i) {
		return range(i, i + 1);
	}

	/** Entries [from, to) of the first axis as a new tensor. */
	public FloatTensor range(int from, int to) {
		if (from < 0 || to > shape[0] || from > to) {
			throw new IndexOutOfBoundsException("Range " + from + ".." + to + " outside 0.." + shape[0] + ".");
		}
		int stride = stride0();
		long[] s = shape.clone();
		s[0] = to - from;
		return new FloatTensor(s, Arrays.copyOfRange(data, from * stride, to * stride));
	}

	/** The entries {@code indices} of the first axis, in that order, as a new tensor. */
	public FloatTensor rows(int... indices) {
		int stride = stride0();
		long[] s = shape.clone();
		s[0] = indices.length;
		float[] out = new float[indices.length * stride];
		for (int j = 0; j < indices.length; j++) {
			int i = indices[j];
			if (i < 0 || i >= shape[0]) throw new IndexOutOfBoundsException("Entry " + i + " outside 0.." + shape[0] + ".");
			System.arraycopy(data, i * stride, out, j * stride, stride);
		}
		return new FloatTensor(s, out);
	}

	/** Concatenates tensors along the first axis; all other dimensions must agree. */
	public static FloatTensor concat(List<FloatTensor> parts) {
		if (parts.isEmpty()) throw new IllegalArgumentException("Nothing to concatenate.");
		long[] first = parts.get(0).shape;
		long n = 0;
		int total = 0;
		for (FloatTensor p : parts) {
			if (p.shape.length != first.length
				|| !Arrays.equals(Arrays.copyOfRange(p.shape, 1, p.shape.length), Arrays.copyOfRange(first, 1, first.length))) {
				throw new IllegalArgumentException("Cannot concatenate shapes " + Arrays.toString(first)
					+ " and " + Arrays.toString(p.shape) + ".");
			}
			n += p.shape[0];
			total += p.data.length;
		}
		float[] out = new float[total];
		int pos = 0;
		for (FloatTensor p : parts) {
			System.arraycopy(p.data, 0, out, pos, p.data.length);
			pos += p.data.length;
		}
		long[] s = first.clone();
		s[0] = n;
		return new FloatTensor(s, out);
	}

	/** Same values, new shape with the same number of elements. */
	public FloatTensor reshape(long... newShape) {
		return new FloatTensor(newShape, data);
	}

	public FloatTensor copy() {
		return new FloatTensor(shape, data.clone());
	}

	/** Index of the largest value in each row of a [N, K] tensor. */
	public int[] argmaxRows() {
		if (shape.length != 2) throw new IllegalArgumentException("argmaxRows needs a [N, K] tensor, got " + Arrays.toString(shape) + ".");
		int n = (int) shape[0], k = (int) shape[1];
		int[] out = new int[n];
		for (int i = 0; i < n; i++) {
			int best = 0;
			for (int j = 1; j < k; j++) {
				if (data[i * k + j] > data[i * k + best]) best = j;
			}
			out[i] = best;
		}
		return out;
	}

	/** A [N, K] tensor with a one in column targets[i] of row i: the class selector of gradients. */
	public static FloatTensor oneHot(int[] targets, int numClasses) {
		float[] d = new float[targets.length * numClasses];
		for (int i = 0; i < targets.length; i++) {
			if (targets[i] < 0 || targets[i] >= numClasses) {
				throw new IllegalArgumentException("Target class " + targets[i] + " is outside 0.." + (numClasses - 1) + ".");
			}
			d[i * numClasses + targets[i]] = 1f;
		}
		return new FloatTensor(new long[] { targets.length, numClasses }, d);
	}

	public float get(long... index) {
		return data[offset(index)];
	}

	public void set(float value, long... index) {
		data[offset(index)] = value;
	}

	private int offset(long[] index) {
		if (index.length != shape.length) throw new IllegalArgumentException("Index rank " + index.length + " != tensor rank " + shape.length + ".");
		long off = 0;
		for (int i = 0; i < shape.length; i++) {
			if (index[i] < 0 || index[i] >= shape[i]) throw new IndexOutOfBoundsException("Index " + Arrays.toString(index) + " outside " + Arrays.toString(shape) + ".");
			off = off * shape[i] + index[i];
		}
		return (int) off;
	}

	/** Index of the first NaN or infinite value, or -1 when all values are finite. */
	public int firstNonFinite() {
		for (int i = 0; i < data.length; i++) {
			if (!Float.isFinite(data[i])) return i;
		}
		return -1;
	}

	@Override
	public String toString() {
		return "FloatTensor" + Arrays.toString(shape);
	}
}
