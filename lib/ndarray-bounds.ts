// Checks that a strided view (shape, stride, offset) reads only inside its data: every index it
// can reach lies in [0, length). Used wherever an ndarray from outside is copied.

// Throws RangeError "Expected ... for NAME but received ..." when the view reads past the data.
export function checkStridedView(shape: readonly number[], stride: unknown, offset: unknown, length: number, name: string): void {
  if (!Array.isArray(stride) || stride.length !== shape.length || stride.some((s) => typeof s !== 'number' || !Number.isInteger(s))) {
    throw new RangeError(`Expected ${shape.length} integer strides for ${name}.stride but received ${JSON.stringify(stride)}`);
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset)) {
    throw new RangeError(`Expected an integer for ${name}.offset but received ${String(offset)}`);
  }
  let lo = offset, hi = offset;
  shape.forEach((n, d) => {
    const reach = (n - 1) * (stride[d] as number);
    if (reach < 0) lo += reach; else hi += reach;
  });
  if (lo < 0 || hi >= length) {
    throw new RangeError(`Expected strides and offset that stay inside the ${length} values of ${name}.data but received shape [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${offset}, which reach indices ${lo}..${hi}`);
  }
}
