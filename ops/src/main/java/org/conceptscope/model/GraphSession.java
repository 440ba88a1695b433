package org.conceptscope.model;

import static org.tensorflow.internal.c_api.global.tensorflow.*;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.SizeTPointer;
import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.internal.c_api.AbstractTF_Tensor;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Input;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_OperationDescription;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.TF_Tensor;

/**
 * The loaded graph and session that DJL owns, seen through TensorFlow's C API.
 * <p>
 * DJL runs only a signature's outputs and has no autograd for TensorFlow. Explanations need
 * more: any inner tensor fetched or fed, and gradients. Both work on the very graph DJL loaded:
 * gradient ops are added with {@code TF_AddGradientsWithPrefix} and the session runs any
 * fetch/feed set. This class never closes the graph or session: DJL's model does.
 */
final class GraphSession {

	/** One output of one graph operation. */
	record Endpoint(TF_Operation op, int index, String name) {}

	private final TF_Graph graph;
	private final TF_Session session;
	private final Object graphLock = new Object();

	GraphSession(TF_Graph graph, TF_Session session) {
		this.graph = graph;
		this.session = session;
	}

	/** The endpoint for "op" or "op:index", or null when the graph has no such operation. */
	Endpoint find(String tensorName) {
		String op = tensorName;
		int index = 0;
		int colon = tensorName.lastIndexOf(':');
		if (colon > 0 && colon < tensorName.length() - 1) {
			try {
				index = Integer.parseInt(tensorName.substring(colon + 1));
				op = tensorName.substring(0, colon);
			} catch (NumberFormatException e) {
				index = 0;
			}
		}
		TF_Operation handle;
		synchronized (graphLock) {
			handle = TF_GraphOperationByName(graph, op);
		}
		if (handle == null || handle.isNull()) return null;
		if (index >= TF_OperationNumOutputs(handle)) return null;
		return new Endpoint(handle, index, op + ":" + index);
	}

	/** Static shape of an endpoint (-1 for unknown dimensions); null when even the rank is unknown. */
	long[] staticShape(Endpoint e) {
		try (TF_Status status = TF_Status.newStatus(); TF_Output out = output(e)) {
			int rank = TF_GraphGetTensorNumDims(graph, out, status);
			status.throwExceptionIfNotOK();
			if (rank < 0) return null;
			long[] dims = new long[rank];
			TF_GraphGetTensorShape(graph, out, dims, rank, status);
			status.throwExceptionIfNotOK();
			return dims;
		}
	}

	int dataType(Endpoint e) {
		try (TF_Output out = output(e)) {
			return TF_OperationOutputType(out);
		}
	}

	static String opType(TF_Operation op) {
		return TF_OperationOpType(op).getString();
	}

	static String opName(TF_Operation op) {
		return TF_OperationName(op).getString();
	}

	/** The tensor feeding input slot i of an operation. */
	Endpoint input(TF_Operation op, int i) {
		try (TF_Input in = new TF_Input()) {
			in.oper(op).index(i);
			TF_Output src = TF_OperationInput(in);
			TF_Operation srcOp = src.oper();
			return new Endpoint(srcOp, src.index(), opName(srcOp) + ":" + src.index());
		}
	}

	int numInputs(TF_Operation op) {
		return TF_OperationNumInputs(op);
	}

	int numControlInputs(TF_Operation op) {
		return TF_OperationNumControlInputs(op);
	}

	/** All operations of the graph, in graph order. */
	List<TF_Operation> operations() {
		List<TF_Operation> ops = new ArrayList<>();
		synchronized (graphLock) {
			try (SizeTPointer pos = new SizeTPointer(1)) {
				pos.put(0L);
				TF_Operation op;
				while ((op = TF_GraphNextOperation(graph, pos)) != null && !op.isNull()) {
					ops.add(op);
				}
			}
		}
		return ops;
	}

	/** The runtime graph as a GraphDef (after any rewriting done at load), for graph-walking methods. */
	org.tensorflow.proto.GraphDef toGraphDef() {
		synchronized (graphLock) {
			try (TF_Status status = TF_Status.newStatus()) {
				org.tensorflow.internal.c_api.TF_Buffer buf = TF_NewBuffer();
				try {
					TF_GraphToGraphDef(graph, buf, status);
					status.throwExceptionIfNotOK();
					return org.tensorflow.proto.GraphDef.parseFrom(buf.data().capacity(buf.length()).asByteBuffer());
				} catch (com.google.protobuf.InvalidProtocolBufferException e) {
					throw new IllegalStateException("TensorFlow returned an unreadable GraphDef: " + e.getMessage(), e);
				} finally {
					TF_DeleteBuffer(buf);
				}
			}
		}
	}

	/** Adds a float32 placeholder of unknown shape. */
	Endpoint addFloatPlaceholder(String name) {
		synchronized (graphLock) {
			try (TF_Status status = TF_Status.newStatus()) {
				TF_OperationDescription d = TF_NewOperation(graph, "Placeholder", name);
				TF_SetAttrType(d, "dtype", TF_FLOAT);
				TF_Operation op = TF_FinishOperation(d, status);
				status.throwExceptionIfNotOK();
				return new Endpoint(op, 0, name + ":0");
			}
		}
	}

	/**
	 * Adds d(sum(y * dy))/dx for each x: {@code dy} is fed at run time (e.g. a one-hot class
	 * selector), so one set of gradient ops serves every target class.
	 */
	Endpoint[] addGradients(String prefix, Endpoint y, Endpoint[] xs, Endpoint dy) {
		synchronized (graphLock) {
			try (TF_Status status = TF_Status.newStatus(); TF_Output ys = output(y); TF_Output dys = output(dy);
				TF_Output xo = new TF_Output(xs.length); TF_Output grads = new TF_Output(xs.length)) {
				for (int i = 0; i < xs.length; i++) {
					xo.position(i).oper(xs[i].op()).index(xs[i].index());
				}
				xo.position(0);
				TF_AddGradientsWithPrefix(graph, prefix, ys, 1, xo, xs.length, dys, status, grads);
				status.throwExceptionIfNotOK();
				Endpoint[] out = new Endpoint[xs.length];
				for (int i = 0; i < xs.length; i++) {
					TF_Output g = grads.getPointer(i);
					TF_Operation op = g.oper();
					if (op == null || op.isNull()) {
						throw new IllegalArgumentException("No gradient path from " + y.name() + " to " + xs[i].name() + ".");
					}
					out[i] = new Endpoint(op, g.index(), opName(op) + ":" + g.index());
				}
				return out;
			}
		}
	}

	/**
	 * Adds an operation: each input is an {@link Endpoint} or an {@code Endpoint[]} (a list input,
	 * e.g. of AddN), attributes are given as protos (type attributes that follow from the inputs
	 * are inferred). Returns every output of the new operation.
	 */
	Endpoint[] addOperation(String type, String name, Object[] inputs, java.util.Map<String, org.tensorflow.proto.AttrValue> attrs) {
		synchronized (graphLock) {
			try (TF_Status status = TF_Status.newStatus()) {
				TF_OperationDescription d = TF_NewOperation(graph, type, name);
				for (Object in : inputs) {
					if (in instanceof Endpoint e) {
						try (TF_Output o = output(e)) {
							TF_AddInput(d, o);
						}
					} else if (in instanceof Endpoint[] list) {
						try (TF_Output o = new TF_Output(list.length)) {
							for (int i = 0; i < list.length; i++) o.position(i).oper(list[i].op()).index(list[i].index());
							o.position(0);
							TF_AddInputList(d, o, list.length);
						}
					} else {
						throw new IllegalArgumentException("An operation input is an Endpoint or an Endpoint[], got " + in + ".");
					}
				}
				for (java.util.Map.Entry<String, org.tensorflow.proto.AttrValue> a : attrs.entrySet()) {
					byte[] bytes = a.getValue().toByteArray();
					try (org.bytedeco.javacpp.BytePointer p = new org.bytedeco.javacpp.BytePointer(bytes)) {
						TF_SetAttrValueProto(d, a.getKey(), p, bytes.length, status);
						status.throwExceptionIfNotOK();
					}
				}
				TF_Operation op = TF_FinishOperation(d, status);
				status.throwExceptionIfNotOK();
				Endpoint[] out = new Endpoint[TF_OperationNumOutputs(op)];
				for (int i = 0; i < out.length; i++) out[i] = new Endpoint(op, i, name + ":" + i);
				return out;
			}
		}
	}

	/** The "dtype" attribute of an operation (variables and placeholders carry one). */
	static int dtypeAttr(TF_Operation op) {
		try (TF_Status status = TF_Status.newStatus()) {
			int[] type = new int[1];
			TF_OperationGetAttrType(op, "dtype", type, status);
			status.throwExceptionIfNotOK();
			return type[0];
		}
	}

	/**
	 * A float tensor holding a variable's value. A VariableV2 output is fetched as its value;
	 * a resource variable (VarHandleOp) yields only a handle, so a ReadVariableOp is added.
	 */
	Endpoint addVariableRead(String name, TF_Operation variable) {
		if (!opType(variable).equals("VarHandleOp")) return new Endpoint(variable, 0, opName(variable) + ":0");
		synchronized (graphLock) {
			try (TF_Status status = TF_Status.newStatus(); TF_Output handle = output(new Endpoint(variable, 0, ""))) {
				TF_OperationDescription d = TF_NewOperation(graph, "ReadVariableOp", name);
				TF_AddInput(d, handle);
				TF_SetAttrType(d, "dtype", TF_FLOAT);
				TF_Operation op = TF_FinishOperation(d, status);
				status.throwExceptionIfNotOK();
				return new Endpoint(op, 0, name + ":0");
			}
		}
	}

	/** An op that writes {@code value} into a variable when run as a target (Assign or AssignVariableOp). */
	TF_Operation addVariableAssign(String name, TF_Operation variable, Endpoint value) {
		boolean resource = opType(variable).equals("VarHandleOp");
		synchronized (graphLock) {
			try (TF_Status status = TF_Status.newStatus(); TF_Output ref = output(new Endpoint(variable, 0, ""));
				TF_Output v = output(value)) {
				TF_OperationDescription d = TF_NewOperation(graph, resource ? "AssignVariableOp" : "Assign", name);
				TF_AddInput(d, ref);
				TF_AddInput(d, v);
				TF_Operation op = TF_FinishOperation(d, status);
				status.throwExceptionIfNotOK();
				return op;
			}
		}
	}

	/** Runs target operations (no fetches), e.g. variable assignments. */
	void runTargets(Endpoint[] feeds, FloatTensor[] values, TF_Operation[] targets) {
		TF_Tensor[] in = new TF_Tensor[feeds.length];
		TF_Tensor[] out = null;
		try {
			for (int i = 0; i < feeds.length; i++) {
				in[i] = toNative(values[i]);
			}
			out = runSession(session, in, ops(feeds), indices(feeds), new TF_Operation[0], new int[0], targets);
		} finally {
			release(in);
			release(out);
		}
	}

	/** Receives a fetched tensor while its native memory is still alive (the buffer is only valid inside the call). */
	interface Reader {
		void read(long[] shape, FloatBuffer data);
	}

	/**
	 * Runs one batch: feeds rows [from, to) of every value (first axis), copied straight from the
	 * Java arrays into TensorFlow's input tensors, and hands the single fetched tensor to the
	 * reader before its native memory is released. No Java array is allocated here: a caller
	 * that splits a large input into batches reads every result into one output array.
	 * Callers validate shapes first. The target operations run too (their outputs are not read).
	 */
	void runRows(Endpoint[] feeds, FloatTensor[] values, int from, int to, Endpoint fetch, TF_Operation[] targets, Reader reader) {
		TF_Tensor[] in = new TF_Tensor[feeds.length];
		TF_Tensor[] out = null;
		try {
			for (int i = 0; i < feeds.length; i++) {
				in[i] = toNative(values[i], from, to);
			}
			out = runSession(session, in, ops(feeds), indices(feeds), new TF_Operation[] { fetch.op() },
				new int[] { fetch.index() }, targets);
			TF_Tensor t = out[0];
			checkFloat(t, fetch.name());
			long[] shape = shapeOf(t);
			long size = FloatTensor.sizeOf(shape);
			reader.read(shape, TF_TensorData(t).capacity(4L * size).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer());
		} finally {
			release(in);
			release(out);
		}
	}

	/** Runs the session: feeds float tensors, fetches float tensors. Callers validate shapes first. */
	FloatTensor[] run(Endpoint[] feeds, FloatTensor[] values, Endpoint[] fetches) {
		TF_Tensor[] in = new TF_Tensor[feeds.length];
		TF_Tensor[] out = null;
		try {
			for (int i = 0; i < feeds.length; i++) {
				in[i] = toNative(values[i]);
			}
			out = runSession(session, in, ops(feeds), indices(feeds), ops(fetches), indices(fetches),
				new TF_Operation[0]);
			FloatTensor[] result = new FloatTensor[out.length];
			for (int i = 0; i < out.length; i++) {
				result[i] = fromNative(out[i], fetches[i].name());
			}
			return result;
		} finally {
			release(in);
			release(out);
		}
	}

	/**
	 * TensorFlow's NOT_FOUND (a fed or fetched tensor the run's graph does not hold: "... was not found in the Graph"), which
	 * TF Java's status check (AbstractTF_Status.throwExceptionIfNotOK, tensorflow-core-api's code in DJL's tensorflow-api jar)
	 * reports as its base TensorFlowException, the code lost, like INTERNAL or UNKNOWN.
	 */
	static final class NotFound extends org.tensorflow.exceptions.TensorFlowException {
		private static final long serialVersionUID = 1L;

		NotFound(String message) {
			super(message);
		}
	}

	/** Throws for a failed status: {@link NotFound} for NOT_FOUND, TF Java's exception of the code otherwise. */
	static void check(TF_Status status) {
		if (TF_GetCode(status) == TF_NOT_FOUND) throw new NotFound(TF_Message(status).getString());
		status.throwExceptionIfNotOK();
	}

	/**
	 * One session run: feeds {@code in} at (inOps, inIndices), fetches (outOps, outIndices), runs {@code targets} too. The
	 * fetched tensors are the caller's to release. DJL's JavacppUtils.runSession does the same, but the status check it calls
	 * (TF Java's AbstractTF_Status) keeps no code for NOT_FOUND ({@link #check}), which a fed run needs
	 * ({@link TensorFlowClassifier#fedRun}).
	 */
	private static TF_Tensor[] runSession(TF_Session session, TF_Tensor[] in, TF_Operation[] inOps, int[] inIndices, TF_Operation[] outOps,
		int[] outIndices, TF_Operation[] targets) {
		int ni = in.length, no = outOps.length, nt = targets.length;
		try (PointerScope scope = new PointerScope()) {
			TF_Output inputs = new TF_Output(ni);
			PointerPointer<TF_Tensor> inValues = new PointerPointer<>(ni);
			for (int i = 0; i < ni; i++) {
				inputs.position(i).oper(inOps[i]).index(inIndices[i]);
				inValues.put(i, in[i]);
			}
			inputs.position(0);
			TF_Output outputs = new TF_Output(no);
			for (int i = 0; i < no; i++) outputs.position(i).oper(outOps[i]).index(outIndices[i]);
			outputs.position(0);
			PointerPointer<TF_Tensor> outValues = new PointerPointer<>(no);
			PointerPointer<TF_Operation> targetOps = new PointerPointer<>(nt);
			for (int i = 0; i < nt; i++) targetOps.put(i, targets[i]);
			TF_Status status = TF_Status.newStatus();
			TF_SessionRun(session, null, inputs, inValues, ni, outputs, outValues, no, targetOps, nt, null, status);
			check(status);
			TF_Tensor[] out = new TF_Tensor[no];
			for (int i = 0; i < no; i++) out[i] = outValues.get(TF_Tensor.class, i).withDeallocator().retainReference();
			return out;
		}
	}

	private static void release(TF_Tensor[] tensors) {
		if (tensors == null) return;
		for (TF_Tensor t : tensors) {
			if (t != null && !t.isNull()) t.deallocate();
		}
	}

	private static TF_Tensor toNative(FloatTensor t) {
		long bytes = 4L * t.size();
		TF_Tensor native_ = AbstractTF_Tensor.allocateTensor(TF_FLOAT, t.shape(), bytes);
		if (native_ == null || native_.isNull()) throw new OutOfMemoryError("TensorFlow could not allocate " + bytes + " bytes.");
		FloatBuffer buf = TF_TensorData(native_).capacity(bytes).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
		buf.put(t.data());
		return native_;
	}

	/** Rows [from, to) of the first axis of a tensor, copied into a new native tensor. */
	private static TF_Tensor toNative(FloatTensor t, int from, int to) {
		int stride = t.stride0();
		long[] shape = t.shape();
		shape[0] = to - from;
		long bytes = 4L * (to - from) * stride;
		TF_Tensor native_ = AbstractTF_Tensor.allocateTensor(TF_FLOAT, shape, bytes);
		if (native_ == null || native_.isNull()) throw new OutOfMemoryError("TensorFlow could not allocate " + bytes + " bytes.");
		FloatBuffer buf = TF_TensorData(native_).capacity(bytes).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
		buf.put(t.data(), from * stride, (to - from) * stride);
		return native_;
	}

	private static void checkFloat(TF_Tensor t, String name) {
		int type = TF_TensorType(t);
		if (type != TF_FLOAT) {
			throw new IllegalStateException("Tensor " + name + " has TensorFlow type " + type + "; ConceptScope reads float32 tensors.");
		}
	}

	private static long[] shapeOf(TF_Tensor t) {
		int rank = TF_NumDims(t);
		long[] shape = new long[rank];
		for (int i = 0; i < rank; i++) shape[i] = TF_Dim(t, i);
		return shape;
	}

	private static FloatTensor fromNative(TF_Tensor t, String name) {
		checkFloat(t, name);
		long[] shape = shapeOf(t);
		float[] data = new float[Math.toIntExact(FloatTensor.sizeOf(shape))];
		TF_TensorData(t).capacity(4L * data.length).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer().get(data);
		return new FloatTensor(shape, data);
	}

	private static TF_Output output(Endpoint e) {
		TF_Output out = new TF_Output();
		out.oper(e.op()).index(e.index());
		return out;
	}

	private static TF_Operation[] ops(Endpoint[] es) {
		return Arrays.stream(es).map(Endpoint::op).toArray(TF_Operation[]::new);
	}

	private static int[] indices(Endpoint[] es) {
		return Arrays.stream(es).mapToInt(Endpoint::index).toArray();
	}
}
