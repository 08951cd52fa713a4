// The part of the official `iyzipay` client (CommonJS, untyped) this server calls. @types/iyzipay is not used:
// it types Checkout Form initialize as a card payment (paymentCard and installments required).
declare module 'iyzipay' {
  type IyzipayCallback = (err: Error | null, result: unknown) => void;
  type IyzipayRequest = Record<string, unknown>;

  /**
   * One API resource. `_request` is what the public create/retrieve wrap (they set `_config.body`, then call it
   * and drop the response); it is used for the HTTP status, see IyzicoPaymentProvider.call.
   */
  interface IyzipayResource {
    _config: { body?: IyzipayRequest };
    _request(
      method: 'create' | 'retrieve',
      cb: (err: Error | null, res: { statusCode?: number } | undefined, body: unknown) => void,
    ): void;
    create(request: IyzipayRequest, cb: IyzipayCallback): void;
    retrieve(request: IyzipayRequest, cb: IyzipayCallback): void;
  }

  class Iyzipay {
    constructor(config: { apiKey: string; secretKey: string; uri: string });
    checkoutFormInitialize: IyzipayResource;
    checkoutForm: IyzipayResource;
    refund: IyzipayResource;
  }

  namespace Iyzipay {
    export type Resource = IyzipayResource;
  }

  export = Iyzipay;
}
